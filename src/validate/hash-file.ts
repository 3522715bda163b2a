/**
 * Size and XXH64 of a storage file, streamed through one caller-owned buffer:
 * memory stays at the buffer's size whatever the file's size
 * ([spec](../../spec/validation.md#storage)).
 */
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { createXxh64 } from "../hash/xxh64.js";

/**
 * `O_NOFOLLOW`: the path was checked with every link resolved, so a link
 * appearing at its end since then is refused. `O_NONBLOCK`: a FIFO swapped in
 * for the file cannot hang the open.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** What was read: the size at open, and when asked for, the bytes read and their hash. */
export interface Measured {
  /** Size from fstat of the opened file. */
  size: bigint;
  regular: boolean;
  /** Present when hashing was asked for. */
  hashed?: { bytes: bigint; xxh64: bigint };
}

/**
 * Opens `realPath`, reports its size and, when `wantHash(size)` holds, streams it
 * through `buffer` into XXH64, calling `onBytes` after each chunk.
 * @throws the file system's error (the caller turns it into a finding).
 */
export async function measureFile(
  realPath: string, buffer: Uint8Array, wantHash: (size: bigint) => boolean, onBytes: (n: number) => void,
): Promise<Measured> {
  const fh = await open(realPath, OPEN_FLAGS);
  try {
    const st = await fh.stat({ bigint: true });
    if (!st.isFile()) return { size: st.size, regular: false };
    if (!wantHash(st.size)) return { size: st.size, regular: true };
    const hasher = createXxh64();
    let bytes = 0n;
    for (;;) {
      const { bytesRead } = await fh.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hasher.update(buffer.subarray(0, bytesRead));
      bytes += BigInt(bytesRead);
      onBytes(bytesRead);
    }
    return { size: st.size, regular: true, hashed: { bytes, xxh64: hasher.digest() } };
  } finally {
    await fh.close();
  }
}
