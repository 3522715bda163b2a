#!/usr/bin/env node
/** The `ksnap` executable: runs {@link main} on the process's arguments and exits with its status. */
import { exitQuietlyOnBrokenPipe } from "./broken-pipe.js";
import { main } from "./main.js";

exitQuietlyOnBrokenPipe();
process.exitCode = await main(process.argv.slice(2));
