/**
 * A small Java `DataOutputStream` (big-endian) for building Flink `_metadata` bytes in tests: synthetic files for
 * structures none of the 21 real folders holds (file merging, V6 merged channel state, deep nesting, bad tags).
 */
export class FlinkWriter {
  private readonly parts: number[] = [];

  u8(...bs: number[]): this {
    for (const b of bs) this.parts.push(b & 0xff);
    return this;
  }

  i32(v: number): this {
    return this.u8(v >>> 24, v >>> 16, v >>> 8, v);
  }

  u16(v: number): this {
    return this.u8(v >>> 8, v);
  }

  i64(v: bigint | number): this {
    const x = BigInt.asUintN(64, BigInt(v));
    return this.i32(Number(x >> 32n)).i32(Number(x & 0xffffffffn));
  }

  /** Java `writeUTF` of an ASCII string. */
  utf(s: string): this {
    return this.u16(s.length).u8(...[...s].map((c) => c.charCodeAt(0)));
  }

  /** `writeUTF`'s length and the given (possibly invalid) modified UTF-8 bytes. */
  rawUtf(bytes: number[]): this {
    return this.u16(bytes.length).u8(...bytes);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }

  get length(): number {
    return this.parts.length;
  }
}

/** Header of a `_metadata` of `version` with checkpoint id 1 and no master state. */
export function header(version: number, operators: number): FlinkWriter {
  return new FlinkWriter().i32(0x4960672d).i32(version).i64(1).i32(0).i32(operators);
}

/** An operator of a V3/V4 file, up to its subtask count (OperatorID 00..0f, parallelism 1, max 128, no coordinator). */
export function operatorV3(w: FlinkWriter, subtasks: number): FlinkWriter {
  return w.u8(...Array.from({ length: 16 }, (_, i) => i)).i32(1).i32(128).u8(0).i32(subtasks);
}

/** The Java serialization of a null: what Flink writes for null CheckpointProperties. */
export const JAVA_NULL = [0xac, 0xed, 0x00, 0x05, 0x70];
