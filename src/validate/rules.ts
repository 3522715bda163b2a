/**
 * The rule catalogue of `validate` ([spec](../../spec/validation.md#rules)).
 * Ids are stable: a rule may be added, never renumbered or reused. The letter
 * after `KS-` repeats the severity (E error, W warning) so that an id read on
 * its own says whether it fails a snapshot.
 */
import type { Finding, FindingLocation, Severity } from "./finding.js";

/** Which part of `validate` checks a rule. */
export type RuleGroup = "load" | "structure" | "safety" | "storage" | "history";

/** One rule of the catalogue. */
export interface RuleInfo {
  severity: Severity;
  group: RuleGroup;
  /** What the rule reports, in a few words (the spec's "What" column). */
  what: string;
}

const error = (group: RuleGroup, what: string): RuleInfo => ({ severity: "error", group, what });
const warning = (group: RuleGroup, what: string): RuleInfo => ({ severity: "warning", group, what });

/** Every rule, by id ([spec](../../spec/validation.md#rules)). */
export const RULES = {
  "KS-E001": error("load", "a metadata file cannot be read or decoded"),
  "KS-E002": error("load", "a metadata file is not in the folder its snapshot_dir names"),
  "KS-E003": error("load", "a folder holds both KSNAP and Flink metadata files"),
  "KS-E010": error("structure", "snapshot_id is 0"),
  "KS-W011": warning("structure", "snapshot_dir does not follow the storage layout"),
  "KS-E013": error("structure", "an incremental handle's checkpoint_id differs from the checkpoint's snapshot_id"),
  "KS-E020": error("structure", "a savepoint's sharing is not none"),
  "KS-E021": error("structure", "a savepoint's ownership is not user"),
  "KS-E022": error("structure", "an incremental snapshot's sharing is not forward-backward"),
  "KS-E023": error("structure", "a checkpoint's ownership is not system"),
  "KS-E024": error("structure", "a snapshot that is not incremental reuses a file of an earlier checkpoint"),
  "KS-E030": error("structure", "two operators have the same operator_id"),
  "KS-E031": error("structure", "parallelism is outside 1..max_parallelism"),
  "KS-E032": error("structure", "a subtask_index is not less than its operator's parallelism"),
  "KS-E033": error("structure", "two subtasks of an operator have the same subtask_index"),
  "KS-E034": error("structure", "two handles of a subtask have the same sort key"),
  "KS-E035": error("structure", "an operator's own max_parallelism is above 32768"),
  "KS-E036": error("structure", "a finished operator or subtask holds state"),
  "KS-E037": error("structure", "a keyed opaque handle has no key groups, or a channel-state handle has some"),
  "KS-E038": error("structure", "two master states have the same name"),
  "KS-E040": error("structure", "a key-group range reaches past max_parallelism"),
  "KS-E041": error("structure", "a key-group range is empty"),
  "KS-E042": error("structure", "a key-group-aware snapshot holds an incremental handle"),
  "KS-E043": error("structure", "key-group ranges of one operator overlap (key-group-aware snapshot)"),
  "KS-E044": error("structure", "key groups of an operator with keyed state are held by no handle (key-group-aware snapshot)"),
  "KS-E050": error("structure", "the number of offsets differs from the key-group count"),
  "KS-E051": error("structure", "an offset is not less than the data file's size, or past a key-groups stream's data"),
  "KS-E052": error("structure", "offsets do not strictly increase (savepoint data) or decrease (a key-groups stream)"),
  "KS-E053": error("structure", "an offset of a named operator state is not less than its stream's length"),
  "KS-E054": error("structure", "offsets of a named operator state decrease"),
  "KS-E055": error("structure", "two named states of one operator state handle have the same name"),
  "KS-E056": error("structure", "two different segments of one physical file overlap"),
  "KS-E060": error("structure", "base_checkpoint_id is not less than checkpoint_id"),
  "KS-E061": error("structure", "origin_checkpoint_id is greater than checkpoint_id"),
  "KS-E070": error("structure", "two files of one list have the same id"),
  "KS-E071": error("structure", "one file id names two different contents (size or xxh64)"),
  "KS-W072": warning("structure", "one file id names two different paths"),
  "KS-W073": warning("structure", "state_size differs from the sum of the handle's file sizes"),
  "KS-W074": warning("structure", "checkpointed_size differs from the sum of the sizes this checkpoint uploaded"),
  "KS-W075": warning("structure", "a shared file is not under shared/"),
  "KS-W076": warning("structure", "a handle folder, private, meta or data file is not under snapshot_dir"),
  "KS-W077": warning("structure", "a private or meta file is not under its handle's folder"),
  "KS-E078": error("structure", "a local name is not a plain file name"),
  "KS-E079": error("structure", "two refs of one handle have the same local name"),
  "KS-W080": warning("structure", "a list is not in canonical order"),
  "KS-E090": error("safety", "a path breaks the path rules"),
  "KS-E091": error("safety", "a path leads, through a symbolic link, out of the snapshot root"),
  "KS-E092": error("safety", "a ref names a metadata file, or a file inside another snapshot's folder"),
  "KS-E093": error("safety", "two file ids name one physical file (one path, or one device and inode)"),
  "KS-E094": error("safety", "a checkpoint folder, a metadata file or a referenced path is a symbolic link"),
  "KS-E095": error("safety", "a physical file of segments is also referred to as a whole file"),
  "KS-E100": error("storage", "a referenced file does not exist"),
  "KS-E101": error("storage", "a referenced file is not a regular file"),
  "KS-E102": error("storage", "a referenced file's size differs from its ref"),
  "KS-E103": error("storage", "a referenced file's xxh64 differs from its ref"),
  "KS-E104": error("storage", "a referenced file cannot be read"),
  "KS-W105": warning("storage", "a file ref records no xxh64 (0), so its content is not verified"),
  "KS-W106": warning("storage", "a temporary file of an interrupted write is left"),
  "KS-E107": error("storage", "a savepoint handle's key groups or offsets differ from its data file's header and index"),
  "KS-E108": error("storage", "a segment reaches past the end of its physical file"),
  "KS-E109": error("storage", "a segment's xxh64 differs from its ref"),
  "KS-W098": warning("storage", "a file in a snapshot's folder is referenced by no handle (converted Flink snapshots)"),
  "KS-W099": warning("storage", "an external ref is not checked"),
  "KS-E118": error("storage", "an external ref looks like a file of the root under another path (converted Flink snapshots)"),
  "KS-E110": error("history", "two snapshots of one root have the same snapshot_id"),
  "KS-E111": error("history", "the origin checkpoint of a shared file does not list it as uploaded by the same backend"),
  "KS-E112": error("history", "the origin checkpoint of a shared file is missing from the history"),
  "KS-W113": warning("history", "the origin checkpoint of a shared file is older than the history (not retained)"),
  "KS-E114": error("history", "the base checkpoint of a handle is missing from the history (lineage gap)"),
  "KS-W115": warning("history", "the base checkpoint of a handle is older than the history (not retained)"),
  "KS-E116": error("history", "a private, meta or data file of one snapshot is referred to by another snapshot"),
  "KS-E117": error("history", "one file is given two different origins"),
} as const satisfies Record<string, RuleInfo>;

/** The id of a rule in {@link RULES}. */
export type RuleId = keyof typeof RULES;

/** A finding of `rule`, with the rule's severity. */
export function finding(rule: RuleId, location: FindingLocation, message: string): Finding {
  return { rule, severity: RULES[rule].severity, location: withoutUndefined(location), message };
}

/** Drops absent members so that the JSON output has no `"field": undefined` noise and tests compare cleanly. */
function withoutUndefined(location: FindingLocation): FindingLocation {
  const out: FindingLocation = {};
  if (location.file !== undefined) out.file = location.file;
  if (location.field !== undefined) out.field = location.field;
  if (location.path !== undefined) out.path = location.path;
  return out;
}
