/**
 * How the CLI reports a failure on stderr (README, "Command line";
 * [spec](../../spec/validation.md#command-line)): one line, as text
 * (`ksnap: FILE: CODE at byte N: message`) or, when the command was given
 * `--json`, as one JSON object
 * `{"error":{"code","message","file","offset","field"}}`, so that a program
 * reading the JSON output also reads the failure. Returns the exit status.
 */
import { CommanderError } from "commander";
import { KsnapError } from "../errors.js";
import { EXIT } from "./exit-status.js";
import { KSNAP_USAGE } from "./usage-error.js";

/** The error object printed with `--json`; absent locations are null, so the keys are always the same. */
export interface JsonError {
  /** A [stable error code](../../spec/format-v1.md#errors), `USAGE` (exit 2) or `INTERNAL` (exit 3). */
  code: string;
  message: string;
  file: string | null;
  offset: number | null;
  field: string | null;
}

/** True when the command line asks for JSON: `--json` before any `--`. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).includes("--json");
}

/** True when `e` says that the reader of a pipe went away. */
export function isBrokenPipe(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === "EPIPE";
}

/**
 * Reports `e` on `stderr` and returns the exit status. Commander has already
 * printed its own usage errors as text (the CLI silences it under `--json`).
 */
export function reportError(e: unknown, json: boolean, stderr: NodeJS.WritableStream = process.stderr): number {
  if (isBrokenPipe(e)) return EXIT.brokenPipe;
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) return EXIT.ok;
    const message = e.message.replace(/^error: /, "");
    if (json) stderr.write(jsonLine({ code: "USAGE", message, file: null, offset: null, field: null }));
    else if (e.code === KSNAP_USAGE) stderr.write(`ksnap: ${message}\n`);
    return EXIT.usage;
  }
  if (e instanceof KsnapError) {
    stderr.write(json
      ? jsonLine({ code: e.code, message: e.message, file: e.file ?? null, offset: e.offset ?? null, field: e.field ?? null })
      : `ksnap: ${e.describe()}\n`);
    return EXIT.invalid;
  }
  const why = e instanceof Error ? e.message : String(e);
  const message = `internal error (a bug; please report it): ${why}`;
  stderr.write(json ? jsonLine({ code: "INTERNAL", message, file: null, offset: null, field: null }) : `ksnap: ${message}\n`);
  if (process.env.KSNAP_DEBUG) stderr.write(`${(e as Error).stack ?? ""}\n`);
  return EXIT.internal;
}

// JSON.stringify escapes every control character, so the object is one line whatever the input held.
function jsonLine(error: JsonError): string {
  return `${JSON.stringify({ error })}\n`;
}
