/** The report's data as JSON text (`ksnap report --json`), the shape schemas/report-v1.schema.json describes. */
import type { ReportData } from "./report-model.js";

/** `data` as indented JSON with a final newline; `state` absent (no snapshot read) becomes null. */
export function reportJson(data: ReportData): string {
  return `${JSON.stringify({ ...data, state: data.state ?? null }, null, 2)}\n`;
}
