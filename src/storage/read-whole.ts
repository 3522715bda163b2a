/**
 * Reading a whole file through any {@link Storage}'s positioned reads ([spec](../../spec/ownership.md#the-storage-seam)):
 * refused before a byte is read when over the limit, and an error (never a short result) when it shrinks meanwhile.
 */
import { KsnapError } from "../errors.js";
import type { ReadHandle } from "./storage.js";

/** The whole content of the open `handle` (of `location`, for messages); closes it. */
export async function readWhole(handle: ReadHandle, location: string, maxBytes: number): Promise<Uint8Array> {
  try {
    if (handle.size > BigInt(maxBytes)) {
      throw new KsnapError("LIMIT_EXCEEDED", `file is ${handle.size} bytes, over the limit of ${maxBytes}`, { file: location });
    }
    const out = new Uint8Array(Number(handle.size));
    let done = 0;
    while (done < out.length) {
      const n = await handle.read(out, done, out.length - done, done);
      if (n === 0) throw new KsnapError("IO_ERROR", `the file shrank while it was read (${done} of ${out.length} bytes)`, { file: location });
      done += n;
    }
    return out;
  } finally {
    await handle.close();
  }
}
