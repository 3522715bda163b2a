/**
 * Flink's CheckpointProperties (V4+), read from their Java serialization without a JVM: the generic stream reader
 * ([java-serialization.ts](./java-serialization.ts)) accepts only the classes below, and the object graph it returns
 * must have exactly the shape of CheckpointProperties ([spec](../../spec/flink.md#checkpointproperties)).
 */
import { KsnapError } from "../errors.js";
import type { DataInput } from "./data-input.js";
import type {
  FlinkCheckpointProperties, FlinkCheckpointType, FlinkPostCheckpointAction, FlinkSavepointFormatType,
  FlinkSavepointType, FlinkSharingFilesStrategy,
} from "./flink-model.js";
import { readJavaStream, type JavaObject, type JavaValue } from "./java-serialization.js";

const PKG = "org.apache.flink.runtime.checkpoint.";
const PROPERTIES = `${PKG}CheckpointProperties`;
const CHECKPOINT_TYPE = `${PKG}CheckpointType`;
const SAVEPOINT_TYPE = `${PKG}SavepointType`;
const SHARING = `${PKG}SnapshotType$SharingFilesStrategy`;
const FORMAT = "org.apache.flink.core.execution.SavepointFormatType";
const ACTION = `${PKG}SavepointType$PostCheckpointAction`;

/** The only classes a CheckpointProperties stream may name. */
export const CHECKPOINT_PROPERTIES_CLASSES: ReadonlySet<string> = new Set([
  PROPERTIES, CHECKPOINT_TYPE, SAVEPOINT_TYPE, SHARING, FORMAT, ACTION, "java.lang.Enum",
]);

const FLAGS = [
  "discardCancelled", "discardFailed", "discardFinished", "discardSubsumed", "discardSuspended", "forced", "unclaimed",
] as const;

/** Reads the properties from `r` (to the stream's end): `null` for a Java null. Errors carry the stream's offset. */
export function readCheckpointProperties(r: DataInput): FlinkCheckpointProperties | null {
  const at = r.pos;
  const root = readJavaStream(r, CHECKPOINT_PROPERTIES_CLASSES, "CheckpointProperties");
  if (root === null) return null;
  const props = objectOf(root, [PROPERTIES], "CheckpointProperties", at);
  const out = {} as FlinkCheckpointProperties;
  for (const flag of FLAGS) {
    const v = props.fields.get(flag);
    if (typeof v !== "boolean") throw shape(`field ${flag} is ${describe(v)}, expected a boolean`, at);
    out[flag] = v;
  }
  out.checkpointType = snapshotType(props.fields.get("checkpointType"), at);
  return out;
}

function snapshotType(v: JavaValue | undefined, at: number): FlinkCheckpointType | FlinkSavepointType {
  const t = objectOf(v, [CHECKPOINT_TYPE, SAVEPOINT_TYPE], "checkpointType", at);
  const name = t.fields.get("name");
  if (typeof name !== "string") throw shape(`checkpointType.name is ${describe(name)}, expected a string`, at);
  if (t.className === CHECKPOINT_TYPE) {
    return {
      kind: "checkpoint", name,
      sharingFilesStrategy: constant<FlinkSharingFilesStrategy>(t, "sharingFilesStrategy", SHARING,
        ["FORWARD_BACKWARD", "FORWARD", "NO_SHARING"], at),
    };
  }
  return {
    kind: "savepoint", name,
    formatType: constant<FlinkSavepointFormatType>(t, "formatType", FORMAT, ["CANONICAL", "NATIVE"], at),
    postCheckpointAction: constant<FlinkPostCheckpointAction>(t, "postCheckpointAction", ACTION,
      ["NONE", "SUSPEND", "TERMINATE"], at),
  };
}

function constant<T extends string>(o: JavaObject, field: string, className: string, allowed: readonly T[], at: number): T {
  const v = o.fields.get(field);
  if (v === null || typeof v !== "object" || v.kind !== "enum" || v.className !== className) {
    throw shape(`checkpointType.${field} is ${describe(v)}, expected an enum ${className}`, at);
  }
  if (!(allowed as readonly string[]).includes(v.constant)) {
    throw new KsnapError("INVALID_FIELD",
      `CheckpointProperties: checkpointType.${field} is ${JSON.stringify(v.constant)}, expected one of ${allowed.join(", ")}`,
      { offset: at, field: `properties.checkpointType.${field}` });
  }
  return v.constant as T;
}

function objectOf(v: JavaValue | undefined, classes: string[], what: string, at: number): JavaObject {
  if (v === null || v === undefined || typeof v !== "object" || v.kind !== "object" || !classes.includes(v.className)) {
    throw shape(`${what} is ${describe(v)}, expected an object of ${classes.join(" or ")}`, at);
  }
  return v;
}

function describe(v: JavaValue | undefined): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (typeof v !== "object") return `a ${typeof v}`;
  return v.kind === "enum" ? `enum ${v.className}` : `an object of ${v.className}`;
}

function shape(message: string, at: number): KsnapError {
  return new KsnapError("MALFORMED_BODY", `CheckpointProperties: ${message}`, { offset: at });
}
