/**
 * The `ksnap` command. Exit status: 0 ok, 1 invalid input (a file that is not a
 * valid snapshot, unreadable, or JSON that breaks the schema) or, for commands
 * that check things, errors found; 2 usage error. Each command lives in its own
 * `*-command.ts` file exporting a `register…(program)` function.
 * Bad input gets one line on stderr naming the problem and where; never a stack trace.
 * This module has no side effect, so tests run the CLI in-process; `bin.ts` is the executable.
 */
import { Command } from "commander";
import { reportError, wantsJson } from "./error-report.js";
import { registerConformance } from "./conformance-command.js";
import { registerConvert } from "./convert-command.js";
import { registerDiff } from "./diff-command.js";
import { registerEncode } from "./encode-command.js";
import { registerGc } from "./gc-command.js";
import { takeRequestedStatus } from "./exit-status.js";
import { registerInspect } from "./inspect-command.js";
import { registerPlanRestore } from "./plan-restore-command.js";
import { registerReport } from "./report-command.js";
import { registerSavepoint } from "./savepoint-command.js";
import { registerValidate } from "./validate-command.js";

/** The program; with `json`, commander's own error text is silenced: the error is reported as JSON instead. */
function program(json: boolean): Command {
  const cmd = new Command("ksnap")
    .description("Inspect, encode and check KSNAP snapshot files; convert Apache Flink snapshots")
    .version("0.1.0")
    .exitOverride()
    // Before the commands are added: they inherit it.
    .configureOutput({ writeErr: (text) => { if (!json) process.stderr.write(text); } })
    .showHelpAfterError("(run ksnap --help for usage)");
  registerInspect(cmd);
  registerValidate(cmd);
  registerEncode(cmd);
  registerConvert(cmd);
  registerPlanRestore(cmd);
  registerDiff(cmd);
  registerGc(cmd);
  registerReport(cmd);
  registerSavepoint(cmd);
  registerConformance(cmd);
  return cmd;
}

/**
 * Runs the CLI on `argv` (without node and script) and returns the exit status.
 * A failure is reported on stderr as one line, or as one JSON object when `argv`
 * has `--json` ({@link reportError}).
 */
export async function main(argv: readonly string[]): Promise<number> {
  const json = wantsJson(argv);
  try {
    await program(json).parseAsync([...argv], { from: "user" });
    return takeRequestedStatus();
  } catch (e) {
    takeRequestedStatus();
    return reportError(e, json);
  }
}
