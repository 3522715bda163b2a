/**
 * Usage errors a command finds itself (a missing option, two arguments that
 * cannot both be standard input): exit status 2, reported like commander's own
 * (README, "Command line"), as text or, with `--json`, as JSON.
 */
import { CommanderError } from "commander";
import { EXIT } from "./exit-status.js";

/** Commander's `code` for usage errors ksnap raises; its own codes start with `commander.`. */
export const KSNAP_USAGE = "ksnap.usage";

/** A usage error with `message` (one line); the CLI prints it and exits 2. */
export function usageError(message: string): CommanderError {
  return new CommanderError(EXIT.usage, KSNAP_USAGE, message);
}
