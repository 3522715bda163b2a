/**
 * The storage check's progress bar (validate, gc). It is drawn on a terminal
 * only: when stderr is a file or a pipe, nothing is written, so logs and
 * `--json` stay clean ([spec](../../spec/validation.md#command-line)). When the
 * check hashes files, it shows bytes read of the total, the rate and the time
 * left; otherwise the files checked.
 *
 * While the bar is drawn the cursor is hidden and line wrap is off, so Ctrl-C
 * must not leave the terminal like that: on SIGINT the bar is stopped (cursor
 * shown, wrap back on) and the signal raised again, so the shell sees a process
 * killed by SIGINT (status 130) and a script's loop stops too.
 */
import { createRequire } from "node:module";
import type cliProgress from "cli-progress";
import type { StorageProgress } from "../validate/validate-storage.js";

/** A progress bar to feed and stop; a no-op when the stream is not a terminal. */
export interface ProgressBar {
  update(progress: StorageProgress): void;
  stop(): void;
}

const NO_BAR: ProgressBar = { update() {}, stop() {} };

const BYTES_FORMAT = "checking files {bar} {percentage}% | {read} of {size} | {rate}/s | {eta_formatted} left | {files} files";
const FILES_FORMAT = "checking files {bar} {value}/{total} files";

/** A bar on `stream` when it is a TTY, otherwise one that draws nothing. */
export function progressBarFor(stream: NodeJS.WritableStream & { isTTY?: boolean }): ProgressBar {
  if (stream.isTTY !== true) return NO_BAR;
  let bar: cliProgress.SingleBar | undefined;
  let byBytes = false;
  let startedMs = 0;
  const interrupted = (): void => {
    bar?.stop();
    bar = undefined;
    // The listener is gone (once), so SIGINT's default action now ends the process as a signal does.
    process.kill(process.pid, "SIGINT");
  };
  const payload = (p: StorageProgress) => {
    const seconds = Math.max((Date.now() - startedMs) / 1000, 0.001);
    return { read: shortBytes(p.bytesRead), size: shortBytes(p.bytesTotal), rate: shortBytes(p.bytesRead / seconds), files: `${p.filesDone}/${p.filesTotal}` };
  };
  return {
    update(p) {
      if (bar === undefined) {
        byBytes = p.bytesTotal > 0;
        startedMs = Date.now();
        // Required on the first bar only: loading it takes ~40 ms, which a run without a terminal never needs.
        const progress = createRequire(import.meta.url)("cli-progress") as typeof cliProgress;
        bar = new progress.SingleBar({
          stream, format: byBytes ? BYTES_FORMAT : FILES_FORMAT, hideCursor: true, clearOnComplete: true, etaBuffer: 50,
        }, progress.Presets.shades_classic);
        process.once("SIGINT", interrupted);
        bar.start(byBytes ? p.bytesTotal : p.filesTotal, byBytes ? Math.min(p.bytesRead, p.bytesTotal) : p.filesDone, payload(p));
      } else {
        bar.update(byBytes ? Math.min(p.bytesRead, p.bytesTotal) : p.filesDone, payload(p));
      }
    },
    stop() {
      if (bar === undefined) return;
      process.off("SIGINT", interrupted);
      bar.stop();
      bar = undefined;
    },
  };
}

/** `512 B`, `3.4 MiB`, `1.2 GiB`: short enough for a bar. */
function shortBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) { n /= 1024; unit++; }
  return unit === 0 ? `${Math.round(n)} B` : `${n.toFixed(1)} ${units[unit]}`;
}
