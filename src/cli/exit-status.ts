/**
 * Exit statuses of the `ksnap` command (README, "Command line"). A command that
 * finishes its work but found problems (validate, conformance) calls
 * {@link reportProblems} instead of throwing, so its full report is printed.
 */

/**
 * 0 ok, 1 invalid input or problems found, 2 usage, 3 internal error (a bug);
 * 130 and 141 are what a shell reports for a process killed by SIGINT (Ctrl-C)
 * and SIGPIPE (its reader went away, as in `ksnap … | head`).
 */
export const EXIT = { ok: 0, invalid: 1, usage: 2, internal: 3, interrupted: 130, brokenPipe: 141 } as const;

let requested: number = EXIT.ok;

/** Makes the command exit with status 1 once it has finished. */
export function reportProblems(): void {
  requested = EXIT.invalid;
}

/** The status requested by the command that ran, then reset (for tests that run several). */
export function takeRequestedStatus(): number {
  const s = requested;
  requested = EXIT.ok;
  return s;
}
