/**
 * Deliberate bugs the reference backend can be started with (`--fault NAME`), so
 * the conformance suite can prove it catches them. Each fault's code path is a
 * few lines marked `FAULT(<name>)`; without `--fault` none of them runs.
 */
import { AdapterError } from "./adapter-error.js";

/** The fault names `--fault` accepts. */
export const FAULTS = ["forget-shared-file", "wrong-offset", "reuse-file-id", "wrong-restore-key-groups"] as const;

/** One of {@link FAULTS}. */
export type Fault = (typeof FAULTS)[number];

/** The fault named `name`; BAD_REQUEST for an unknown name, so a typo cannot run the correct backend unnoticed. */
export function parseFault(name: string): Fault {
  const found = FAULTS.find((f) => f === name);
  if (found === undefined) throw new AdapterError("BAD_REQUEST", `unknown fault "${name}": one of ${FAULTS.join(", ")}`);
  return found;
}
