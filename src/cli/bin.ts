#!/usr/bin/env node
/**
 * The `ksnap` executable: runs {@link main} on the process's arguments and exits with its status.
 * On Node ≥ 22.1 the compiled code of ksnap's modules is cached on disk (`module.enableCompileCache`, in Node's
 * default folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so later starts skip compiling them. The modules are
 * imported after that call, hence dynamically.
 */
import module from "node:module";

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { exitQuietlyOnBrokenPipe } = await import("./broken-pipe.js");
const { main } = await import("./main.js");

exitQuietlyOnBrokenPipe();
process.exitCode = await main(process.argv.slice(2));
