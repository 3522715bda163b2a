/**
 * The `ksnap` command. Exit status: 0 ok, 1 invalid input (a file that is not a
 * valid snapshot, unreadable, or JSON that breaks the schema) or, for commands
 * that check things, errors found; 2 usage error. Each command lives in its own
 * `*-command.ts` file exporting a `register…(program)` function.
 * Bad input gets one line on stderr naming the problem and where; never a stack trace.
 * This module has no side effect, so tests run the CLI in-process; `bin.ts` is the executable.
 */
import { Command, CommanderError } from "commander";
import { KsnapError } from "../errors.js";
import { registerConformance } from "./conformance-command.js";
import { registerDiff } from "./diff-command.js";
import { registerEncode } from "./encode-command.js";
import { registerGc } from "./gc-command.js";
import { EXIT, takeRequestedStatus } from "./exit-status.js";
import { registerInspect } from "./inspect-command.js";
import { registerPlanRestore } from "./plan-restore-command.js";
import { registerSavepoint } from "./savepoint-command.js";
import { registerValidate } from "./validate-command.js";


function program(): Command {
  const cmd = new Command("ksnap")
    .description("Inspect, encode and check KSNAP snapshot files")
    .version("0.1.0")
    .exitOverride()
    .showHelpAfterError("(run ksnap --help for usage)");
  registerInspect(cmd);
  registerValidate(cmd);
  registerEncode(cmd);
  registerPlanRestore(cmd);
  registerDiff(cmd);
  registerGc(cmd);
  registerSavepoint(cmd);
  registerConformance(cmd);
  return cmd;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync([...argv], { from: "user" });
    return takeRequestedStatus();
  } catch (e) {
    return report(e);
  }
}

function report(e: unknown): number {
  if (e instanceof CommanderError) {
    return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (e instanceof KsnapError) {
    process.stderr.write(`ksnap: ${e.describe()}\n`);
    return EXIT.invalid;
  }
  const why = e instanceof Error ? e.message : String(e);
  process.stderr.write(`ksnap: internal error (a bug; please report it): ${why}\n`);
  if (process.env.KSNAP_DEBUG) process.stderr.write(`${(e as Error).stack ?? ""}\n`);
  return EXIT.internal;
}
