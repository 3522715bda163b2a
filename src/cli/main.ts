/**
 * The `ksnap` command. Exit status: 0 ok, 1 invalid input (a file that is not a
 * valid snapshot, unreadable, or JSON that breaks the schema) or, for commands
 * that check things, errors found; 2 usage error. Each command lives in its own
 * `*-command.ts` file exporting a `register…(program)` function, imported only when needed (`COMMANDS`).
 * Bad input gets one line on stderr naming the problem and where; never a stack trace.
 * This module has no side effect, so tests run the CLI in-process; `bin.ts` is the executable.
 */
import { Command } from "commander";
import { reportError, wantsJson } from "./error-report.js";
import { takeRequestedStatus } from "./exit-status.js";

/** Adds one command to the program. */
type Register = (program: Command) => void;

/**
 * Each command's module, in the order `--help` lists them. A command's module is imported only when the command
 * is run (or for `--help` and errors, which list them all): what one command uses (the S3 SDK, JSON Schema
 * compilers, the conformance runner) is not loaded to start another, nor to print `--version`.
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ["inspect", async () => (await import("./inspect-command.js")).registerInspect],
  ["validate", async () => (await import("./validate-command.js")).registerValidate],
  ["encode", async () => (await import("./encode-command.js")).registerEncode],
  ["convert", async () => (await import("./convert-command.js")).registerConvert],
  ["plan-restore", async () => (await import("./plan-restore-command.js")).registerPlanRestore],
  ["diff", async () => (await import("./diff-command.js")).registerDiff],
  ["gc", async () => (await import("./gc-command.js")).registerGc],
  ["report", async () => (await import("./report-command.js")).registerReport],
  ["savepoint", async () => (await import("./savepoint-command.js")).registerSavepoint],
  ["conformance", async () => (await import("./conformance-command.js")).registerConformance],
];

/** Options the program itself handles without any command. */
const PROGRAM_ONLY = new Set(["--version", "-V"]);

/**
 * The commands `argv` needs: the one it names first, none for `--version`, and all of them otherwise
 * (`--help`, `help`, no argument, an unknown command: commander lists or suggests every command).
 */
async function commandsFor(argv: readonly string[]): Promise<Register[]> {
  const first = argv[0];
  const named = COMMANDS.find(([name]) => name === first);
  if (named !== undefined) return [await named[1]()];
  if (argv.length === 1 && PROGRAM_ONLY.has(first!)) return [];
  return Promise.all(COMMANDS.map(([, load]) => load()));
}

/** The program; with `json`, commander's own error text is silenced: the error is reported as JSON instead. */
function program(json: boolean, commands: readonly Register[]): Command {
  const cmd = new Command("ksnap")
    .description("Inspect, encode and check KSNAP snapshot files; convert Apache Flink snapshots")
    .version("0.1.0")
    .exitOverride()
    // Before the commands are added: they inherit it.
    .configureOutput({ writeErr: (text) => { if (!json) process.stderr.write(text); } })
    .showHelpAfterError("(run ksnap --help for usage)");
  for (const register of commands) register(cmd);
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
    await program(json, await commandsFor(argv)).parseAsync([...argv], { from: "user" });
    return takeRequestedStatus();
  } catch (e) {
    takeRequestedStatus();
    return reportError(e, json);
  }
}
