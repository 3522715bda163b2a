/**
 * A closed pipe ends the command quietly (README, "Command line"). A C program
 * writing into `| head -1` is killed by SIGPIPE, which the shell reports as 141;
 * Node ignores SIGPIPE, so a write fails with EPIPE instead, which would end as
 * an "internal error" with a stack. This emulates the signal: on EPIPE the
 * process stops writing and exits 141, printing nothing.
 */
import { errnoText } from "../storage/errno.js";
import { EXIT } from "./exit-status.js";

/** Makes EPIPE on `stdout` or `stderr` exit 141 silently; another write error exits 1 with one line. For the executable only. */
export function exitQuietlyOnBrokenPipe(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): void {
  for (const stream of [stdout, stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE" && stream === stdout) stderr.write(`ksnap: <stdout>: IO_ERROR: cannot write: ${errnoText(e)}\n`);
      process.exit(e.code === "EPIPE" ? EXIT.brokenPipe : EXIT.invalid);
    });
  }
}
