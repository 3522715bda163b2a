/**
 * The storage check's progress bar. It is drawn on a terminal only: when stderr
 * is a file or a pipe, nothing is written, so logs and `--json` stay clean
 * ([spec](../../spec/validation.md#command-line)).
 */
import cliProgress from "cli-progress";
import type { StorageProgress } from "./validate-storage.js";

/** A progress bar to feed and stop; a no-op when the stream is not a terminal. */
export interface ProgressBar {
  update(progress: StorageProgress): void;
  stop(): void;
}

const NO_BAR: ProgressBar = { update() {}, stop() {} };

/** A bar on `stream` when it is a TTY, otherwise one that draws nothing. */
export function progressBarFor(stream: NodeJS.WritableStream & { isTTY?: boolean }): ProgressBar {
  if (stream.isTTY !== true) return NO_BAR;
  const bar = new cliProgress.SingleBar({
    stream,
    format: "checking files {bar} {value}/{total} | {mib} MiB read",
    hideCursor: true,
    clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(p) {
      const mib = (p.bytesRead / (1 << 20)).toFixed(1);
      if (!started) {
        bar.start(p.filesTotal, p.filesDone, { mib });
        started = true;
      } else {
        bar.update(p.filesDone, { mib });
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
