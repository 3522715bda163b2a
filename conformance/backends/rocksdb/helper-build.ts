/**
 * Building the C++ helper (helper/ksnap-rocksdb-helper.cc) with g++ against
 * the system's librocksdb (Debian: `apt-get install librocksdb-dev`). The
 * binary goes to `conformance/backends/rocksdb/build/` (git-ignored) and is
 * rebuilt when missing or older than its source, through a temporary file
 * renamed into place, so two adapters starting at once never run half a binary.
 * `KSNAP_ROCKSDB_HELPER` names a prebuilt binary instead; `CXX` another compiler.
 *
 *     node dist/conformance/backends/rocksdb/helper-build.js     (npm run rocksdb:build)
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { packageFile } from "../../../src/storage/package-files.js";
import { RocksError } from "./rocks-error.js";

/** The helper's source file. */
export const HELPER_SOURCE = "conformance/backends/rocksdb/helper/ksnap-rocksdb-helper.cc";

/** Where the built helper goes, relative to the package root. */
export const HELPER_BINARY = "conformance/backends/rocksdb/build/ksnap-rocksdb-helper";

/** The helper binary to run, built first when missing or out of date; HELPER_UNAVAILABLE when it cannot be built. */
export function helperBinary(env: NodeJS.ProcessEnv = process.env): string {
  const given = env["KSNAP_ROCKSDB_HELPER"];
  if (given !== undefined && given !== "") {
    if (!existsSync(given)) throw new RocksError("HELPER_UNAVAILABLE", `KSNAP_ROCKSDB_HELPER names ${given}, which does not exist`);
    return given;
  }
  const source = packageFile(HELPER_SOURCE);
  const binary = packageFile(HELPER_BINARY);
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) buildHelper(source, binary, env["CXX"] || "g++");
  return binary;
}

/** Compiles `source` into `binary`; HELPER_UNAVAILABLE with the compiler's message when it fails. */
export function buildHelper(source: string, binary: string, compiler = "g++"): void {
  mkdirSync(dirname(binary), { recursive: true });
  const tmp = join(dirname(binary), `.ksnap-rocksdb-helper.${randomBytes(6).toString("hex")}.tmp`);
  try {
    execFileSync(compiler, ["-std=c++17", "-O2", "-Wall", "-o", tmp, source, "-lrocksdb"], { stdio: ["ignore", "ignore", "pipe"] });
    renameSync(tmp, binary);
  } catch (e) {
    rmSync(tmp, { force: true });
    const stderr = (e as { stderr?: Buffer }).stderr?.toString("utf8").trim();
    throw new RocksError("HELPER_UNAVAILABLE", `cannot build the RocksDB helper with ${compiler} (is librocksdb-dev installed?): ` +
      (stderr !== undefined && stderr !== "" ? stderr.split("\n").slice(0, 5).join(" | ") : (e as Error).message));
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/").split("/").pop()!)) {
  try {
    buildHelper(packageFile(HELPER_SOURCE), packageFile(HELPER_BINARY), process.env["CXX"] || "g++");
    process.stdout.write(`${packageFile(HELPER_BINARY)}\n`);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}
