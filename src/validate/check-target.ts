/**
 * Checks one storage file against every expectation its refs state: it is a
 * regular file inside the root reached without a symbolic link, with the size
 * and the XXH64 its refs say ([spec](../../spec/validation.md#storage);
 * KS-E091, KS-E094 and KS-E100 to KS-W105); for the physical file of segments
 * (1.1), that each segment lies inside it and has the XXH64 its ref records
 * (KS-E108, KS-E109). A physical file's own size and hash are not recorded. A link is never followed: what it
 * leads to is only looked at, to name it and to find two names of one file.
 */
import { hashToHex } from "../hash/xxh64.js";
import { describeKind, openInRoot, type ReadHandle, type Resolution, type Storage, type WholeHashResult } from "../storage/storage.js";
import { fileField } from "../snapshot-walk.js";
import type { Finding } from "./finding.js";
import { hashFile, hashRange } from "../hash/hash-file.js";
import { finding, type RuleId } from "./rules.js";
import type { Expectation, SegmentExpectation, StorageTarget } from "./storage-targets.js";
import { plural, quote } from "./text.js";

/** What checking a target found: findings, and the physical file behind it when known. */
export interface TargetCheck {
  findings: Finding[];
  /** Device and inode of the file the path names, or that a link inside the root leads to. */
  identity?: string;
}

/** How a target is checked. */
export interface TargetContext {
  storage: Storage;
  realRoot: string;
  buffer: Uint8Array;
  /** Compute XXH64 (KS-E103); sizes are always checked. */
  hashes: boolean;
  /** Report KS-W105 for a ref that records no xxh64; false for input whose format records none (Flink). */
  warnUnhashed: boolean;
  onBytes: (n: number) => void;
}

/** Checks `target`; never throws for anything storage does. */
export async function checkTarget(target: StorageTarget, ctx: TargetContext): Promise<TargetCheck> {
  // A file that may be hashed is resolved and opened in one go where the storage can (three system calls locally);
  // one that is only measured is resolved.
  const mayHash = ctx.hashes && (target.expectations.some((e) => e.xxh64 !== 0n) || target.segments.some((e) => e.xxh64 !== 0n));
  let r: Resolution;
  let opened: ReadHandle | undefined;
  try {
    if (mayHash) ({ resolution: r, handle: opened } = await openInRoot(ctx.storage, ctx.realRoot, target.path));
    else r = await ctx.storage.resolve(ctx.realRoot, target.path);
  } catch (e) {
    return { findings: [whole(target, "KS-E104", `cannot be resolved: ${e instanceof Error ? e.message : String(e)}`)] };
  }
  if (r.status !== "file") return unusable(target, r, ctx.realRoot);
  const identity = r.info.identity;
  const checked = (findings: Finding[]): TargetCheck => ({ findings, ...(identity ? { identity } : {}) });
  // Hash only what can still match: a whole-file ref of the right size with a hash, a segment inside the file with one.
  const wantWhole = (size: bigint): boolean => ctx.hashes && target.expectations.some((e) => e.xxh64 !== 0n && e.size === size);
  const wantSegments = (size: bigint): SegmentExpectation[] =>
    ctx.hashes ? target.segments.filter((e) => e.xxh64 !== 0n && e.offset + e.length <= size) : [];
  if (!wantWhole(r.info.size) && wantSegments(r.info.size).length === 0) {
    await opened?.close().catch(() => undefined);
    return checked([...compareAll(target, r.info.size, undefined, ctx.hashes, ctx.warnUnhashed), ...compareSegments(target, r.info.size, new Map(), ctx.hashes, ctx.warnUnhashed)]);
  }
  let size: bigint;
  let wholeHash: bigint | undefined;
  const segmentHashes = new Map<SegmentExpectation, bigint>();
  try {
    // Sequential when the whole file is hashed: it is read from its first byte, so S3 needs no HEAD before the GET.
    const file = opened ?? await ctx.storage.open(r.location, { sequential: wantWhole(r.info.size) });
    try {
      size = file.size;
      if (wantWhole(size)) {
        const hashed = await hashFile(file, ctx.buffer, ctx.onBytes);
        if (hashed.bytes !== size) return changed(target, `${size} bytes at open, ${hashed.bytes} read`);
        wholeHash = hashed.xxh64;
      }
      for (const e of wantSegments(size)) {
        const hashed = await hashRange(file, ctx.buffer, ctx.onBytes, e.offset, e.length);
        if (hashed.bytes !== e.length) return changed(target, `segment [${e.offset}, ${e.offset + e.length}) of a file of ${size} bytes at open, ${hashed.bytes} bytes read`);
        segmentHashes.set(e, hashed.xxh64);
      }
    } finally {
      await file.close();
    }
  } catch (e) {
    return { findings: [whole(target, "KS-E104", `cannot be read: ${e instanceof Error ? e.message : String(e)}`)] };
  }
  return checked([...compareAll(target, size, wholeHash, true, ctx.warnUnhashed), ...compareSegments(target, size, segmentHashes, true, ctx.warnUnhashed)]);
}

/**
 * The findings {@link checkTarget} gives, from a file storage already opened and perhaps hashed whole
 * ({@link Storage.hashWholeFiles}): for a target of whole-file refs only.
 */
export function checkHashed(target: StorageTarget, hashed: NonNullable<WholeHashResult>, ctx: Pick<TargetContext, "hashes" | "warnUnhashed">): TargetCheck {
  const { info, read } = hashed;
  if (read !== undefined && read.bytes !== info.size) return changed(target, `${info.size} bytes at open, ${read.bytes} read`);
  // Called once per file of a large tree: no more arrays than the findings need.
  const findings = compareAll(target, info.size, read?.xxh64, ctx.hashes, ctx.warnUnhashed);
  if (target.segments.length > 0) findings.push(...compareSegments(target, info.size, new Map(), ctx.hashes, ctx.warnUnhashed));
  return info.identity ? { findings, identity: info.identity } : { findings };
}

function changed(target: StorageTarget, what: string): TargetCheck {
  return { findings: [whole(target, "KS-E104", `changed while it was read (${what})`)] };
}

function unusable(target: StorageTarget, r: Exclude<Resolution, { status: "file" }>, realRoot: string): TargetCheck {
  switch (r.status) {
    case "missing": return { findings: [whole(target, "KS-E100", r.why)] };
    case "not-file": return { findings: [whole(target, "KS-E101", `is ${describeKind(r.info)}, not a regular file`)] };
    case "error": return { findings: [whole(target, "KS-E104", r.why)] };
    case "link": {
      if (r.outside) {
        return { findings: [whole(target, "KS-E091", `leads through the symbolic link ${quote(r.linkAt)} ${r.target === undefined ? `(${r.why})` : `to ${r.target}`}, outside the snapshot root ${realRoot}; it was not read`)] };
      }
      const where = r.linkAt === target.path ? "is a symbolic link" : `passes through the symbolic link ${quote(r.linkAt)}`;
      const check: TargetCheck = { findings: [whole(target, "KS-E094", `${where} (${r.why}); ksnap never follows a link inside a snapshot root, so it was not read`)] };
      const identity = r.targetInfo?.identity;
      return identity === undefined ? check : { ...check, identity };
    }
  }
}

/** Findings of every expectation against the measured size and, when read, hash. */
function compareAll(target: StorageTarget, size: bigint, actualHash: bigint | undefined, hashes: boolean, warnUnhashed: boolean): Finding[] {
  return target.expectations.flatMap((e) => compare(target, e, size, actualHash, hashes, warnUnhashed));
}

function compare(target: StorageTarget, e: Expectation, size: bigint, actualHash: bigint | undefined, hashes: boolean, warnUnhashed: boolean): Finding[] {
  const at = { file: e.file, field: fileField(e.site), path: target.path };
  const name = `file ${quote(target.path)}${refCount(e.refs)}`;
  if (e.size !== size) return [finding("KS-E102", at, `${name} is ${size} bytes; its ref says ${e.size}`)];
  if (!hashes) return [];
  if (e.xxh64 === 0n) return warnUnhashed ? [finding("KS-W105", at, `${name} has no recorded xxh64 (0), so its content was not verified; its size ${size} matches`)] : [];
  if (actualHash !== undefined && actualHash !== e.xxh64) {
    return [finding("KS-E103", at, `${name} has xxh64 ${hashToHex(actualHash)}; its ref says ${hashToHex(e.xxh64)} (same size, ${size} bytes, different content)`)];
  }
  return [];
}

/**
 * KS-E108, KS-W105 and KS-E109 for each segment of a physical file of `size`
 * bytes, against the hashes read (`actual`, by segment).
 */
function compareSegments(
  target: StorageTarget, size: bigint, actual: ReadonlyMap<SegmentExpectation, bigint>, hashes: boolean, warnUnhashed: boolean,
): Finding[] {
  return target.segments.flatMap((e) => {
    const at = { file: e.file, field: fileField(e.site), path: target.path };
    const name = `segment [${e.offset}, ${e.offset + e.length}) of ${quote(target.path)}${refCount(e.refs)}`;
    if (e.offset + e.length > size) return [finding("KS-E108", at, `${name} reaches past the end of its physical file, which is ${size} bytes`)];
    if (!hashes) return [];
    if (e.xxh64 === 0n) {
      return warnUnhashed ? [finding("KS-W105", at, `${name} has no recorded xxh64 (0), so its content was not verified; it lies inside the file's ${size} bytes`)] : [];
    }
    const hash = actual.get(e);
    if (hash !== undefined && hash !== e.xxh64) {
      return [finding("KS-E109", at, `${name} has xxh64 ${hashToHex(hash)}; its ref says ${hashToHex(e.xxh64)} (${e.length} bytes, different content)`)];
    }
    return [];
  });
}

/** A finding about the file as a whole, located at its first ref. */
export function whole(target: StorageTarget, rule: RuleId, why: string): Finding {
  const refs = [...target.expectations, ...target.segments].reduce((n, e) => n + e.refs, 0);
  return finding(rule, { file: target.first.file, field: fileField(target.first.site), path: target.path }, `file ${quote(target.path)}${refCount(refs)} ${why}`);
}

function refCount(refs: number): string {
  return refs > 1 ? ` (${plural(refs, "ref")})` : "";
}
