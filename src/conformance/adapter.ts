/**
 * The runner's side of an adapter ([spec](../../spec/conformance.md#transport)):
 * starts the process and says `hello`, sends requests, and after a protocol
 * break kills the process so that the next request starts a fresh one. An
 * adapter that cannot be started twice in a row is given up on, so a broken
 * command costs two timeouts, not one per test.
 */
import { AdapterProcess, ProtocolBreak, type Response } from "./adapter-process.js";
import { type AdapterFormats, DEFAULT_FORMATS, parseFormatVersion } from "./format-versions.js";
import { CAPABILITIES, type Capability } from "./outcomes.js";

/** The protocol version this runner speaks. */
export const PROTOCOL_VERSION = 1;

/** Default bound on starting the adapter and its answer to `hello`. */
export const DEFAULT_START_TIMEOUT_MS = 30_000;

/** What the adapter said in `hello`. */
export interface AdapterInfo {
  name: string;
  version: string;
  capabilities: Set<Capability>;
  /** The metadata format versions it reads and writes ([spec](../../spec/conformance.md#format-versions)). */
  formats: AdapterFormats;
}

/** An error response to a request the test needed: the test fails with it. */
export class AdapterRefused extends Error {
  constructor(readonly op: string, readonly code: string, message: string) {
    super(`${op} failed: ${code}: ${message}`);
    this.name = "AdapterRefused";
  }
}

/** Starts, talks to and restarts the adapter command. */
export class Adapter {
  private process: AdapterProcess | undefined;
  private startFailures = 0;
  private gaveUp: string | undefined;
  /** What the last successful `hello` said. */
  info: AdapterInfo | undefined;
  /** How many times the adapter was started. */
  starts = 0;

  /**
   * `timeoutMs` bounds each response; `startTimeoutMs` bounds the first,
   * `hello`, which also waits for the adapter to start (a JVM takes seconds).
   */
  constructor(readonly command: string, private readonly cwd: string, readonly timeoutMs: number,
    readonly startTimeoutMs = Math.max(timeoutMs, DEFAULT_START_TIMEOUT_MS)) {}

  /** Starts the adapter if none runs; ProtocolBreak when it cannot be started. */
  async start(): Promise<AdapterInfo> {
    if (this.process !== undefined && this.info !== undefined) return this.info;
    if (this.gaveUp !== undefined) throw new ProtocolBreak(this.gaveUp, []);
    this.starts++;
    this.process = new AdapterProcess(this.command, this.cwd);
    try {
      const hello = await this.process.request("hello", { protocol: PROTOCOL_VERSION }, this.startTimeoutMs);
      if (!hello.ok) throw new ProtocolBreak(`hello was refused: ${hello.error.code}: ${hello.error.message}`, this.process.stderrTail());
      this.info = infoOf(hello.result);
      this.startFailures = 0;
      return this.info;
    } catch (e) {
      this.stop();
      if (++this.startFailures >= 2) this.gaveUp = `the adapter could not be started: ${(e as Error).message}`;
      throw e;
    }
  }

  /** What the adapter declared it reads and writes; 1.0 until it has said `hello`. */
  formats(): AdapterFormats {
    return this.info?.formats ?? DEFAULT_FORMATS;
  }

  /** True when the adapter declared `capability`. */
  has(capability: Capability): boolean {
    return this.info?.capabilities.has(capability) ?? false;
  }

  /** Sends a request; a protocol break kills the process (the next request restarts it) and is rethrown. */
  async send(op: string, params: Record<string, unknown> = {}): Promise<Response> {
    await this.start();
    try {
      return await this.process!.request(op, params, this.timeoutMs);
    } catch (e) {
      if (e instanceof ProtocolBreak) this.stop();
      throw e;
    }
  }

  /** {@link send}, with an error response thrown as {@link AdapterRefused}. */
  async call(op: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const r = await this.send(op, params);
    if (!r.ok) throw new AdapterRefused(op, r.error.code, r.error.message);
    return r.result;
  }

  /** Sends `shutdown` and waits for the process to exit; kills it if it does not. */
  async shutdown(): Promise<void> {
    const p = this.process;
    if (p === undefined) return;
    try {
      await p.request("shutdown", {}, this.timeoutMs);
      await p.exited(this.timeoutMs);
    } catch {
      // a broken adapter at shutdown changes no test
    }
    this.stop();
  }

  private stop(): void {
    this.process?.kill();
    this.process = undefined;
  }
}

function infoOf(result: Record<string, unknown>): AdapterInfo {
  const known = new Set<string>(CAPABILITIES);
  const caps = (result.capabilities as string[]).filter((c): c is Capability => known.has(c));
  const formats = result.formats as { read?: unknown; write?: unknown } | undefined;
  return {
    name: String(result.name), version: String(result.version), capabilities: new Set(caps),
    formats: {
      read: parseFormatVersion(formats?.read) ?? DEFAULT_FORMATS.read,
      write: parseFormatVersion(formats?.write) ?? DEFAULT_FORMATS.write,
    },
  };
}
