/**
 * A decode worker of {@link DecodePool}: decodes each block it is sent with the
 * reader's own `checkedContent` (the same LZ4 decoder, the same checksum) and
 * sends the content back, or the problem, for the reader's thread to throw
 * where the block is. Blocks are answered in the order they came.
 */
import { parentPort, workerData } from "node:worker_threads";
import { DECODE_AHEAD, type DecodeRequest, type DecodeReply } from "./decode-pool.js";
import type { Lz4Implementation } from "./lz4-block.js";

const port = parentPort!;
try {
  // Imported here, not statically, so that a failure to load reaches the reader as a message, not as a dead worker.
  const { checkedContent } = await import("./frame.js");
  const { useLz4 } = await import("./lz4-block.js");
  useLz4({ decompress: (workerData as { decompress: Lz4Implementation }).decompress });
  const slots: Uint8Array[] = [];
  port.on("message", (requests: DecodeRequest[]) => {
    const replies = requests.map(decode);
    port.postMessage(replies, replies.flatMap((r) => r.content === undefined ? [] : [r.content]));
  });
  const decode = (r: DecodeRequest): DecodeReply => {
    try {
      if (r.memory !== undefined) slots[r.id % DECODE_AHEAD] = new Uint8Array(r.memory);
      const payload = slots[r.id % DECODE_AHEAD]!.subarray(0, r.payloadLength);
      const header = { uncompressedLength: r.uncompressedLength, storedLength: r.payloadLength, xxh64: (BigInt(r.xxh64High) << 32n) | BigInt(r.xxh64Low) };
      // A raw block is its payload: copied out of the slot, which the reader reuses.
      const out = checkedContent(header, r.payloadLength === r.uncompressedLength ? payload.slice() : payload, r.keyGroup, r.block);
      if (out instanceof Uint8Array) {
        // The content is sent, not copied: a view of a larger buffer is copied out first.
        const owned = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
        return { id: r.id, content: owned.buffer as ArrayBuffer };
      }
      return { id: r.id, problem: out };
    } catch (e) {
      return { id: r.id, failure: e instanceof Error ? e.message : String(e) };
    }
  };
  port.postMessage([{ id: -1 }] satisfies DecodeReply[]);
} catch (e) {
  port.postMessage([{ id: -1, failure: `cannot load the decoder: ${e instanceof Error ? e.message : String(e)}` }] satisfies DecodeReply[]);
}
