/**
 * The tables of a vector folder's README: one section per folder (valid,
 * accepted, invalid), one row per case, so both generators render them alike.
 */

/** A case as the tables show it. */
export interface TableCase { name: string; checks: string }

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

/** The `## valid`, `## accepted` and `## invalid` sections; `errorCell` renders an invalid case's expected error. */
export function caseTables<I extends TableCase>(
  valid: readonly TableCase[], accepted: readonly TableCase[], invalid: readonly I[], errorCell: (c: I) => string,
): string[] {
  const simple = (title: string, cases: readonly TableCase[]) => [
    `## ${title}`, "", row(["name", "checks"]), row(["---", "---"]),
    ...cases.map((c) => row([`\`${c.name}\``, c.checks])), "",
  ];
  return [
    ...simple("valid", valid),
    ...simple("accepted", accepted),
    "## invalid", "", row(["name", "expected error", "checks"]), row(["---", "---", "---"]),
    ...invalid.map((c) => row([`\`${c.name}\``, errorCell(c), c.checks])), "",
  ];
}
