/**
 * What `require("ksnap")` loads (the "require" condition of package.json's exports).
 *
 * ksnap is an ES module only: src/hash/xxh64.ts awaits the WebAssembly hasher at
 * the top level, so no CommonJS build is possible and Node's require(esm) refuses
 * the module with a message that names neither ksnap nor the fix. This file
 * fails at once with one that does.
 */
"use strict";

const error = new Error(
  "ksnap is an ES module only and cannot be loaded with require(). " +
    "Use `import { decodeSnapshot } from \"ksnap\"` in an ES module, or from CommonJS " +
    "`const ksnap = await import(\"ksnap\")` (in an async function).",
);
// Node's own code for "this is ESM, import it instead", so that tools which check it recognise the case.
error.code = "ERR_REQUIRE_ESM";
throw error;
