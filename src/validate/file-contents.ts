/**
 * File identity: one id always names the same content, and in practice the
 * same path ([spec](../../spec/format-v1.md#file-identity);
 * [KS-E071](../../spec/validation.md#ks-e071), [KS-W072](../../spec/validation.md#ks-w072)).
 * Shared by the per-snapshot and the history checks.
 */
import { hashToHex } from "../hash/xxh64.js";
import type { FileRef } from "../model.js";
import type { RuleId } from "./rules.js";
import { quote } from "./text.js";

/** `1234 bytes, xxh64 0123456789abcdef` */
export function describeContent(ref: FileRef): string {
  return `${ref.size} bytes, xxh64 ${hashToHex(ref.xxh64)}`;
}

/**
 * The rule and message when `ref` disagrees with `earlier` (the first ref of the
 * same id, found at `earlierAt`); undefined when they agree. A content conflict
 * outranks a path conflict: only the first is reported.
 */
export function identityConflict(ref: FileRef, earlier: FileRef, earlierAt: string): { rule: RuleId; message: string } | undefined {
  if (ref.size !== earlier.size || ref.xxh64 !== earlier.xxh64) {
    return {
      rule: "KS-E071",
      message: `file id ${quote(ref.id)} is ${describeContent(ref)} here, but ${describeContent(earlier)} at ${earlierAt}; one id always names the same content`,
    };
  }
  if (ref.path !== earlier.path) {
    return { rule: "KS-W072", message: `file id ${quote(ref.id)} is at ${quote(ref.path)} here, but at ${quote(earlier.path)} at ${earlierAt}` };
  }
  return undefined;
}
