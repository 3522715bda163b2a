#!/usr/bin/env node
/**
 * The `ksnap` command. Exit status: 0 ok, 1 invalid input (a file that is not a
 * valid snapshot, unreadable, or JSON that breaks the schema), 2 usage error.
 * Bad input gets one line on stderr naming the problem and where; never a stack trace.
 */
import { Command, CommanderError } from "commander";
import { KsnapError } from "../errors.js";
import { encodeCommand } from "./encode-command.js";
import { inspectCommand } from "./inspect-command.js";

/** Documented exit statuses (README, "Command line"). */
export const EXIT = { ok: 0, invalid: 1, usage: 2, internal: 3 } as const;

function program(): Command {
  const cmd = new Command("ksnap")
    .description("Inspect, encode and check KSNAP snapshot files")
    .version("0.1.0")
    .exitOverride()
    .showHelpAfterError("(run ksnap --help for usage)");
  cmd.command("inspect")
    .description("print a snapshot file as a readable tree, or as its JSON form with --json")
    .argument("<file>", "a KSNAP metadata file")
    .option("--json", "print the JSON form (schemas/ksnap-v1.schema.json)")
    .action((file: string, opts: { json?: boolean }) => inspectCommand(file, opts));
  cmd.command("encode")
    .description("encode the JSON form as a canonical KSNAP 1.0 file")
    .argument("<file>", "the JSON form, as `inspect --json` prints it")
    .requiredOption("-o, --output <out>", "where to write the binary file (written atomically)")
    .action((file: string, opts: { output: string }) => encodeCommand(file, opts));
  return cmd;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync([...argv], { from: "user" });
    return EXIT.ok;
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

process.exitCode = await main(process.argv.slice(2));
