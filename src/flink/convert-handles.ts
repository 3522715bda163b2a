/**
 * Flink keyed, operator and channel handles to their KSNAP 1.1 homes
 * ([spec](../../spec/flink.md#keyed-handles-by-tag)): key-groups handles (tags 3, 7, 12) to `key-groups-stream`,
 * incremental handles (11, 5) to `incremental` when the 1.0 form holds them and `stream-incremental` otherwise,
 * changelog handles (8, 14, 9, 10, 13) to `opaque` with every reachable file listed, operator handles (4, 17) to
 * OperatorStateHandle, channel handles to opaque handles without key groups.
 */
import { canonicalHandle } from "../body/canonical-form.js";
import { compareNames, sortStreams } from "../body/canonical-order.js";
import { bytesToBase64 } from "../json/base64.js";
import { KsnapError } from "../errors.js";
import { FORMAT_LIMITS } from "../limits.js";
import type {
  DistributionMode, KeyedStateHandle, NamedOperatorState, OpaqueHandle, OperatorStateHandle, SharedStreamRef,
  StreamIncrementalHandle, StreamRef,
} from "../model.js";
import { streamLength } from "../snapshot-walk.js";
import { requiredStream, convertStream, streamKey, type StreamContext } from "./convert-streams.js";
import { emptyKeyGroupOffsets, FLINK_KEY_GROUPS_FORMAT } from "./convert-key-groups.js";
import type {
  FlinkDistributionMode, FlinkIncrementalHandle, FlinkInputChannelHandle, FlinkKeyedHandle, FlinkOperatorHandle,
  FlinkOutputChannelHandle, FlinkStreamHandle,
} from "./flink-model.js";

/** The opaque kind of Flink's changelog handles. */
export const FLINK_CHANGELOG_KIND = "apache-flink/changelog";
export { FLINK_KEY_GROUPS_FORMAT };

/** What handle conversion needs beyond streams: the origin given to every shared file. */
export interface HandleContext extends StreamContext {
  /** The checkpoint that uploaded every shared file: the snapshot's own when converting one checkpoint. */
  origin: bigint;
}

/** A keyed handle (managed or raw). */
export function convertKeyedHandle(ctx: HandleContext, h: FlinkKeyedHandle, field: string, folder: string): KeyedStateHandle {
  switch (h.kind) {
    case "key-groups": {
      const data = requiredStream(ctx, h.delegate, `${field}.delegate`);
      const { offsets, empty } = emptyKeyGroupOffsets(h.offsets, streamLength(data));
      if (empty > 0) {
        ctx.notes.add("empty-key-groups", "offset 0 marks an empty key group in Flink's key-groups streams: written as the next " +
          "key group's offset (or the data's length), so that the key group spans no byte", `${field}.offsets`);
      }
      return { type: "key-groups-stream", keyGroups: { ...h.keyGroups }, data, offsets, dataFormat: FLINK_KEY_GROUPS_FORMAT };
    }
    case "incremental":
      return canonicalHandle(streamIncremental(ctx, h, field, folder));
    case "changelog-backend":
    case "in-memory-changelog":
    case "changelog-stream":
      return changelog(ctx, h, field);
  }
}

function streamIncremental(ctx: HandleContext, h: FlinkIncrementalHandle, field: string, folder: string): StreamIncrementalHandle {
  const sharedFiles = h.sharedState.map((e, i): SharedStreamRef => {
    // requiredStream returns a new object: completing it in place saves a copy per file.
    const ref = requiredStream(ctx, e.handle, `${field}.sharedState[${i}].handle`, e.localPath) as SharedStreamRef;
    ref.originCheckpointId = ctx.origin;
    return ref;
  });
  const privateFiles = h.privateState.map((e, i) => requiredStream(ctx, e.handle, `${field}.privateState[${i}].handle`, e.localPath));
  const meta = requiredStream(ctx, h.metaStateHandle, `${field}.metaStateHandle`);
  sortStreams(sharedFiles);
  sortStreams(privateFiles);
  if (sharedFiles.length > 0) {
    ctx.notes.add("single-checkpoint-origins",
      `shared files' origin is checkpoint ${ctx.origin}: _metadata does not say which checkpoint uploaded them, and one checkpoint was converted alone`);
  }
  let stateSize = streamLength(meta);
  for (const s of sharedFiles) stateSize += streamLength(s);
  for (const s of privateFiles) stateSize += streamLength(s);
  return {
    type: "stream-incremental", backendId: h.backendId, keyGroups: { ...h.keyGroups }, folder,
    checkpointId: h.checkpointId, baseCheckpointId: 0n, sharedFiles, privateFiles, meta, stateSize,
    checkpointedSize: h.checkpointedSize ?? 0n,
  };
}

/** Streams reachable from a changelog handle: exclusive ones and shared ones (changelog files, shared SSTs). */
class FileCollector {
  readonly files: StreamRef[] = [];
  readonly shared: SharedStreamRef[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly ctx: HandleContext) {}

  add(h: FlinkStreamHandle | null, field: string, shared: boolean): void {
    if (h === null) return;
    const ref = convertStream(this.ctx, h, field);
    if (ref.type === "inline") return; // inline bytes are in the payload; they name no file
    const key = streamKey(ref);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (shared) this.shared.push({ ...ref, originCheckpointId: this.ctx.origin });
    else this.files.push(ref);
  }

  keyed(h: FlinkKeyedHandle | null, field: string): void {
    if (h === null) return;
    switch (h.kind) {
      case "key-groups": this.add(h.delegate, `${field}.delegate`, false); return;
      case "incremental":
        this.add(h.metaStateHandle, `${field}.metaStateHandle`, false);
        h.sharedState.forEach((e, i) => this.add(e.handle, `${field}.sharedState[${i}].handle`, true));
        h.privateState.forEach((e, i) => this.add(e.handle, `${field}.privateState[${i}].handle`, false));
        return;
      case "changelog-backend":
        h.materialized.forEach((m, i) => this.keyed(m, `${field}.materialized[${i}]`));
        h.nonMaterialized.forEach((m, i) => this.keyed(m, `${field}.nonMaterialized[${i}]`));
        return;
      case "in-memory-changelog": return;
      case "changelog-stream":
        // Changelog files are shared by several checkpoints until the next materialization.
        h.handlesAndOffsets.forEach((p, i) => this.add(p.handle, `${field}.handlesAndOffsets[${i}].handle`, true));
        return;
    }
  }
}

function changelog(ctx: HandleContext, h: FlinkKeyedHandle, field: string): OpaqueHandle {
  const c = new FileCollector(ctx);
  c.keyed(h, field);
  if (c.shared.length > 0) {
    ctx.notes.add("single-checkpoint-origins",
      `shared files' origin is checkpoint ${ctx.origin}: _metadata does not say which checkpoint uploaded them, and one checkpoint was converted alone`);
  }
  return {
    type: "opaque", kind: FLINK_CHANGELOG_KIND, keyGroups: { ...h.keyGroups },
    files: sortStreams(c.files), sharedFiles: sortStreams(c.shared), payload: jsonPayload(ctx, h, field),
  };
}

/**
 * The payload of an opaque handle: the reader's AST of the handle as UTF-8 JSON (64-bit values as decimal strings,
 * bytes as `{"base64": …}`). The reader keeps no raw bytes of a handle, so Flink's own serialization is not
 * available (spec/flink.md, "Deviations").
 */
export function jsonPayload(ctx: StreamContext, node: unknown, field: string): Uint8Array {
  const text = JSON.stringify(node, (_k, v: unknown) => {
    if (typeof v === "bigint") return v.toString();
    if (v instanceof Uint8Array) return { base64: bytesToBase64(v) };
    return v;
  });
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > FORMAT_LIMITS.maxInlineBytes) {
    throw new KsnapError("LIMIT_EXCEEDED", `opaque payload of ${bytes.length} bytes exceeds ${FORMAT_LIMITS.maxInlineBytes}`, { field });
  }
  ctx.notes.add("payload-as-json", "opaque payloads (changelog, channel state) hold the handle as JSON, not Flink's own bytes");
  return bytes;
}

const MODES: Record<FlinkDistributionMode, DistributionMode> = {
  SPLIT_DISTRIBUTE: "split-distribute", UNION: "union", BROADCAST: "broadcast",
};

/** An operator handle (tag 4 or 17); undefined for tag 17's empty placeholder, which only keeps folders alive. */
export function convertOperatorHandle(ctx: StreamContext, h: FlinkOperatorHandle, field: string): OperatorStateHandle | undefined {
  if (h.isEmpty === true) return undefined;
  const states = h.states.map((s): NamedOperatorState => ({ name: s.name, mode: MODES[s.mode], offsets: [...s.offsets] }));
  states.sort(compareNames);
  return { stream: requiredStream(ctx, h.delegate, `${field}.delegate`), states };
}

/** One channel handle as an opaque handle without key groups; its delegate is `files[0]`. */
export function convertChannelHandle(
  ctx: StreamContext, h: FlinkInputChannelHandle | FlinkOutputChannelHandle, field: string,
): OpaqueHandle {
  const { delegate, ...rest } = h;
  const files = [requiredStream(ctx, delegate, `${field}.delegate`)];
  return { type: "opaque", kind: `apache-flink/${h.kind}`, files, sharedFiles: [], payload: jsonPayload(ctx, rest, field) };
}
