/**
 * The adapter's side of the C++ helper (helper/ksnap-rocksdb-helper.cc): one
 * helper process per adapter process, one command line in and one reply line
 * out, in order. Binary arguments travel as hex prefixed with `x`. A reply
 * `err CODE message` becomes a {@link RocksError} (ENGINE_ERROR for RocksDB's
 * Status); a helper that exits fails every waiting and later command with
 * HELPER_UNAVAILABLE instead of hanging.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { helperBinary } from "./helper-build.js";
import { RocksError } from "./rocks-error.js";

/** One byte string argument: `x` and its hex. */
export function arg(bytes: Uint8Array): string {
  return "x" + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}

/** A write operation of one batch: put, delete or merge. */
export type WriteOp = { op: "p"; key: Buffer; value: Buffer } | { op: "d"; key: Buffer } | { op: "m"; key: Buffer; value: Buffer };

/** A running helper. */
export class HelperProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: { resolve: (tokens: string[]) => void; reject: (e: Error) => void }[] = [];
  private exited: string | undefined;

  constructor(binary: string = helperBinary()) {
    this.child = spawn(binary, [], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr.on("data", (d: Buffer) => process.stderr.write(d));
    this.child.stdin.on("error", () => undefined); // an exit is reported by "exit", with a better reason
    this.child.on("error", (e) => this.fail(`the RocksDB helper cannot run: ${e.message}`));
    this.child.on("exit", (code, signal) => this.fail(`the RocksDB helper exited (${signal ?? `status ${code}`})`));
    createInterface({ input: this.child.stdout, crlfDelay: Infinity }).on("line", (line) => this.reply(line));
  }

  /** False once the helper has exited (or could not start): a new one is needed. */
  get alive(): boolean {
    return this.exited === undefined;
  }

  /**
   * Sends one command (tokens joined by spaces) and returns the reply's tokens
   * after `ok`. Plain tokens (names, paths) must hold no white space; byte
   * arguments go through {@link arg}.
   */
  command(...tokens: string[]): Promise<string[]> {
    const bad = tokens.find((t) => t === "" || /\s/.test(t));
    if (bad !== undefined) {
      return Promise.reject(new RocksError("HELPER_PROTOCOL", `a helper argument is empty or holds white space: ${JSON.stringify(bad.slice(0, 200))}`));
    }
    return this.send(tokens.join(" "));
  }

  /** Applies `ops` to database `db` as one WriteBatch. */
  async write(db: string, ops: readonly WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    // Hex tokens hold no white space by construction: only the database name is checked.
    const tokens = ["write", db];
    for (const o of ops) {
      tokens.push(o.op, arg(o.key));
      if (o.op !== "d") tokens.push(arg(o.value));
    }
    if (db === "" || /\s/.test(db)) throw new RocksError("HELPER_PROTOCOL", `a database name holds white space: ${JSON.stringify(db)}`);
    await this.send(tokens.join(" "));
  }

  private send(line: string): Promise<string[]> {
    if (this.exited !== undefined) return Promise.reject(new RocksError("HELPER_UNAVAILABLE", this.exited));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(line + "\n");
    });
  }

  /** The entries of `db` with keys in [lo, hi) (either bound may be absent), in key order. */
  async scan(db: string, lo?: Buffer, hi?: Buffer): Promise<[Buffer, Buffer][]> {
    const t = await this.command("scan", db, lo === undefined ? "-" : arg(lo), hi === undefined ? "-" : arg(hi));
    if (t.length % 2 !== 0) throw new RocksError("HELPER_PROTOCOL", "a scan reply with an odd number of tokens");
    const out: [Buffer, Buffer][] = [];
    for (let i = 0; i < t.length; i += 2) out.push([unhex(t[i]!), unhex(t[i + 1]!)]);
    return out;
  }

  /** Asks the helper to exit and waits for it (at most `ms`). */
  async quit(ms = 5000): Promise<void> {
    if (this.exited !== undefined) return;
    const gone = new Promise<void>((done) => this.child.once("exit", () => done()));
    this.waiting.push({ resolve: () => undefined, reject: () => undefined }); // its "ok"
    this.child.stdin.end("quit\n");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), ms);
    await gone;
    clearTimeout(timer);
  }

  /** Stops the helper at once (the adapter is exiting). */
  kill(): void {
    if (this.exited === undefined) this.child.kill("SIGKILL");
  }

  private reply(line: string): void {
    const w = this.waiting.shift();
    if (w === undefined) {
      process.stderr.write(`rocksdb backend: an unexpected helper line: ${line.slice(0, 200)}\n`);
      return;
    }
    if (line === "ok" || line.startsWith("ok ")) {
      w.resolve(line.length <= 3 ? [] : line.slice(3).split(" "));
      return;
    }
    const m = /^err (\S+) ?(.*)$/.exec(line);
    if (m === null) {
      w.reject(new RocksError("HELPER_PROTOCOL", `the RocksDB helper answered: ${line.slice(0, 200)}`));
      return;
    }
    const code = m[1] === "ENGINE_ERROR" ? "ENGINE_ERROR" : "HELPER_PROTOCOL";
    w.reject(new RocksError(code, m[1] === "ENGINE_ERROR" ? `RocksDB: ${m[2]}` : `${m[1]}: ${m[2]}`));
  }

  private fail(reason: string): void {
    this.exited ??= reason;
    for (const w of this.waiting.splice(0)) w.reject(new RocksError("HELPER_UNAVAILABLE", reason));
  }
}

function unhex(token: string): Buffer {
  // Buffer.from stops at the first character that is not hex: a short result is a bad token.
  const bytes = token.charCodeAt(0) === 0x78 && token.length % 2 === 1 ? Buffer.from(token.slice(1), "hex") : undefined;
  if (bytes === undefined || bytes.length * 2 !== token.length - 1) throw new RocksError("HELPER_PROTOCOL", `not a hex token: ${token.slice(0, 40)}`);
  return bytes;
}
