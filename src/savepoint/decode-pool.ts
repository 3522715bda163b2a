/**
 * Decodes a reader's blocks in a worker thread while the reader's thread parses
 * the entries of the blocks before them (`decodeWorker` of the reader): LZ4
 * decoding and the block checksum, about a third of a read, leave the reader's
 * thread. Blocks go out in order and come back in order; each is the reader's
 * own `checkedContent`, so the content and the errors are the same as decoding
 * in the reader's thread.
 */
import type { Worker } from "node:worker_threads";
import { SavepointDataError, type DataLocation } from "./data-errors.js";
import type { FrameHeader, PayloadProblem } from "./frame.js";
import { lz4Implementations } from "./lz4-block.js";
import { savepointWorkerFile, startWorker } from "./worker-start.js";

/**
 * A block sent to the worker: where its payload is and what checks it. The payload is copied into slot
 * `id % DECODE_AHEAD` of shared memory, reused from block to block (a fresh buffer per block costs more, in page
 * faults, than decoding it); `memory` is sent when the slot's memory is new (grown), else the worker's is current.
 */
export interface DecodeRequest {
  id: number;
  memory?: SharedArrayBuffer;
  payloadLength: number;
  uncompressedLength: number;
  /** The frame's xxh64, as two 32-bit halves: a bigint makes each message several times dearer to send. */
  xxh64Low: number;
  xxh64High: number;
  keyGroup: number;
  block: number;
}

/** The worker's answer (sent in arrays, one per request message): the content, a problem of the block, or a failure of the worker (id -1: ready, or could not load). */
export interface DecodeReply {
  id: number;
  content?: ArrayBuffer;
  problem?: PayloadProblem;
  failure?: string;
}

/** Blocks sent ahead of the one being parsed, at most: ~1 MiB of payloads, bounded memory. */
export const DECODE_AHEAD = 8;
/**
 * Blocks sent in one message, and answered in one: each message wakes the other thread, which costs the reader's
 * thread more than copying a block.
 */
export const DECODE_BATCH = 4;
/** A slot's first size: a canonical 128 KiB block's payload fits. */
const MIN_SLOT_BYTES = 128 * 1024;

interface Pending {
  slot: { busy: boolean };
  resolve: (content: Uint8Array) => void;
  reject: (e: Error) => void;
  where: DataLocation;
}

/** One worker thread decoding one reader's blocks. */
export class DecodePool {
  private readonly pending = new Map<number, Pending>();
  /** Blocks asked for and not sent yet: sent {@link DECODE_BATCH} to a message. */
  private outbox: DecodeRequest[] = [];
  /** Each slot's shared memory (grown to the largest payload it held), and whether a block in it is pending. */
  private readonly slots: { memory: Uint8Array | undefined; busy: boolean }[] =
    Array.from({ length: DECODE_AHEAD }, () => ({ memory: undefined, busy: false }));
  private next = 0;
  private failed: string | undefined;

  private constructor(private readonly worker: Worker, private readonly label: string) {
    worker.on("message", (replies: DecodeReply[]) => { for (const r of replies) this.answer(r); });
    worker.on("error", (e) => this.fail(`the decode worker failed: ${e.message}`));
    worker.on("exit", (code) => this.fail(`the decode worker exited (status ${code})`));
    // Referenced only while a block is pending: a reader that stops early (an error, a consumer that breaks off
    // without closing) does not keep the process alive, and one waiting for a block is not cut short.
    worker.unref();
  }

  /** Starts the worker; it decodes with the decoder in use now. `label` names the file in errors. */
  static start(label: string): DecodePool {
    const file = savepointWorkerFile("decode-worker", "decodeWorker: false");
    return new DecodePool(startWorker(file, { decompress: lz4Implementations().decompress }), label);
  }

  /** The content of a block, as `decodePayload` gives it; rejects with the same SavepointDataError. */
  decode(header: FrameHeader, payload: Uint8Array, keyGroup: number, block: number, where: DataLocation): Promise<Uint8Array> {
    if (this.failed !== undefined) return Promise.reject(this.ioError(this.failed, where));
    const id = this.next++;
    const slot = this.slots[id % DECODE_AHEAD]!;
    // The reader keeps at most DECODE_AHEAD blocks in flight and awaits each before sending more.
    if (slot.busy) throw new Error(`decode slot ${id % DECODE_AHEAD} is still in use: more than ${DECODE_AHEAD} blocks in flight`);
    let memory: SharedArrayBuffer | undefined;
    if (slot.memory === undefined || slot.memory.length < payload.length) {
      memory = new SharedArrayBuffer(Math.max(payload.length, MIN_SLOT_BYTES));
      slot.memory = new Uint8Array(memory);
    }
    slot.memory.set(payload);
    slot.busy = true;
    const request: DecodeRequest = {
      id, ...(memory === undefined ? {} : { memory }), payloadLength: payload.length, uncompressedLength: header.uncompressedLength,
      xxh64Low: Number(header.xxh64 & 0xffffffffn), xxh64High: Number(header.xxh64 >> 32n), keyGroup, block,
    };
    const done = new Promise<Uint8Array>((resolve, reject) => this.pending.set(id, { resolve, reject, where, slot }));
    if (this.pending.size === 1) this.worker.ref();
    this.outbox.push(request);
    if (this.outbox.length >= DECODE_BATCH) this.flush();
    return done;
  }

  /** Sends the blocks not sent yet (the reader calls it once it has asked for all it will await next). */
  flush(): void {
    if (this.outbox.length === 0) return;
    this.worker.postMessage(this.outbox);
    this.outbox = [];
  }

  /** Ends the worker; blocks still pending are dropped. */
  async close(): Promise<void> {
    this.failed ??= "the reader stopped";
    this.pending.clear();
    await this.worker.terminate();
  }

  private answer(r: DecodeReply): void {
    if (r.id < 0) {
      if (r.failure !== undefined) this.fail(r.failure);
      return;
    }
    const p = this.pending.get(r.id);
    if (p === undefined) return;
    this.pending.delete(r.id);
    p.slot.busy = false;
    if (this.pending.size === 0) this.worker.unref();
    if (r.content !== undefined) p.resolve(new Uint8Array(r.content));
    else if (r.problem !== undefined) p.reject(new SavepointDataError(r.problem.code, r.problem.detail, p.where));
    else p.reject(this.ioError(`the decode worker failed: ${r.failure}`, p.where));
  }

  private fail(why: string): void {
    if (this.failed !== undefined) return;
    this.failed = why;
    for (const p of this.pending.values()) p.reject(this.ioError(why, p.where));
    this.pending.clear();
  }

  private ioError(why: string, where: DataLocation): SavepointDataError {
    return new SavepointDataError("IO_ERROR", `${why}; retry with decodeWorker: false`, { file: this.label, ...where });
  }
}
