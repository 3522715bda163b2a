/**
 * Checks one storage file against every expectation its refs state: it exists
 * inside the root, is a regular file, has the size and the XXH64 its refs say
 * ([spec](../../spec/validation.md#storage), KS-E091 and KS-E100 to KS-W105).
 */
import { hashToHex } from "../hash/xxh64.js";
import { confine, errnoText } from "./confine.js";
import type { Finding } from "./finding.js";
import { measureFile } from "./hash-file.js";
import { finding, type RuleId } from "./rules.js";
import type { Expectation, StorageTarget } from "./storage-targets.js";
import { plural, quote } from "./text.js";
import { fileField } from "../snapshot-walk.js";

/** Findings for `target`; never throws for anything the file system does. */
export async function checkTarget(target: StorageTarget, realRoot: string, buffer: Uint8Array, onBytes: (n: number) => void): Promise<Finding[]> {
  const confined = await confine(target.root, realRoot, target.path);
  if (!confined.ok) return [whole(target, confined.rule, confined.why)];
  // Hash only when some ref can still match: its size is right and it records a hash.
  const wantHash = (size: bigint): boolean => target.expectations.some((e) => e.xxh64 !== 0n && e.size === size);
  let measured;
  try {
    measured = await measureFile(confined.realPath, buffer, wantHash, onBytes);
  } catch (e) {
    return [whole(target, "KS-E104", `cannot be read: ${errnoText(e)}`)];
  }
  if (!measured.regular) return [whole(target, "KS-E101", "is not a regular file")];
  if (measured.hashed !== undefined && measured.hashed.bytes !== measured.size) {
    return [whole(target, "KS-E104", `changed while it was read (${measured.size} bytes at open, ${measured.hashed.bytes} read)`)];
  }
  return target.expectations.flatMap((e) => compare(target, e, measured.size, measured.hashed?.xxh64));
}

/** Findings of one expectation against the measured size and hash. */
function compare(target: StorageTarget, e: Expectation, size: bigint, actualHash: bigint | undefined): Finding[] {
  const at = { file: e.file, field: fileField(e.site), path: target.path };
  const name = `file ${quote(target.path)}${refCount(e.refs)}`;
  if (e.size !== size) return [finding("KS-E102", at, `${name} is ${size} bytes; its ref says ${e.size}`)];
  if (e.xxh64 === 0n) return [finding("KS-W105", at, `${name} has no recorded xxh64 (0), so its content was not verified; its size ${size} matches`)];
  if (actualHash !== undefined && actualHash !== e.xxh64) {
    return [finding("KS-E103", at, `${name} has xxh64 ${hashToHex(actualHash)}; its ref says ${hashToHex(e.xxh64)} (same size, ${size} bytes, different content)`)];
  }
  return [];
}

/** A finding about the file as a whole, located at its first ref. */
function whole(target: StorageTarget, rule: RuleId, why: string): Finding {
  const first = target.expectations[0]!;
  const refs = target.expectations.reduce((n, e) => n + e.refs, 0);
  return finding(rule, { file: first.file, field: fileField(first.site), path: target.path }, `file ${quote(target.path)}${refCount(refs)} ${why}`);
}

function refCount(refs: number): string {
  return refs > 1 ? ` (${plural(refs, "ref")})` : "";
}
