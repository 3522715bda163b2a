/**
 * The test catalogue ([spec](../../spec/conformance.md#test-catalogue)), built
 * from the package's files: the golden vectors of every version, the reference
 * savepoints and the scenarios. The order is the run order.
 */
import { packageFile } from "../storage/package-files.js";
import type { TestInfo } from "./outcomes.js";
import { restoreVectorUnits } from "./restore-units.js";
import { loadScenarios } from "./scenario.js";
import { scenarioUnit } from "./scenario-unit.js";
import type { Unit } from "./unit.js";
import { decodeUnits, encodeUnits } from "./vector-units.js";

/** Where the catalogue's files are. */
export interface CatalogueSource {
  /** conformance/vectors. */
  vectors: string;
  /** conformance/scenarios. */
  scenarios: string;
}

/** The package's own vectors and scenarios. */
export function packageSource(): CatalogueSource {
  return { vectors: packageFile("conformance/vectors"), scenarios: packageFile("conformance/scenarios") };
}

/**
 * Every unit: decode, encode, then the scenarios, then the reference savepoints'
 * restores. With `crossRestore` (a run with `--restore-with`), the scenarios
 * also hold their cross-restore tests. The files are read through the storage seam.
 */
export async function catalogueUnits(source: CatalogueSource = packageSource(), crossRestore = false): Promise<Unit[]> {
  return [
    ...await decodeUnits(source.vectors),
    ...await encodeUnits(source.vectors),
    ...(await loadScenarios(source.scenarios)).map((s) => scenarioUnit(s, crossRestore)),
    ...await restoreVectorUnits(source.vectors),
  ];
}

/** Every test id of `units`, in run order. */
export function catalogueTests(units: readonly Unit[]): TestInfo[] {
  return units.flatMap((u) => u.tests);
}
