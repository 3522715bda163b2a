/** Text for the HTML page: escaping, byte sizes people read, and JSON safe inside a `<script>` element. */

/** `text` escaped for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** `bytes` in binary units with three significant digits: `512 B`, `1.50 KiB`, `12.3 MiB`. */
export function formatBytes(bytes: number): string {
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toPrecision(3)} ${UNITS[u]}`;
}

/** A whole number with thousands separators, the same in every locale: `100,000`. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * `value` as JSON to embed in a `<script type="application/json">`: `<` is escaped so no `</script>` (nor `<!--`)
 * in a path or message can end the element early.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}
