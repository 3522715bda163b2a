/**
 * Typed errors: every failure a user can cause carries a stable code
 * (spec/format-v1.md#errors) and, where it applies, the byte offset or the JSON
 * location it refers to.
 */
import { escapeControls, fileLabel } from "./quote.js";

/** Stable error codes. Adding one is a minor change; renaming one is breaking. */
export const ERROR_CODES = [
  "BAD_MAGIC",
  "TRUNCATED",
  "TRAILING_BYTES",
  "UNSUPPORTED_VERSION",
  "UNKNOWN_REQUIRED_FEATURE",
  "CHECKSUM_MISMATCH",
  "LIMIT_EXCEEDED",
  "MALFORMED_BODY",
  "MISSING_FIELD",
  "INVALID_FIELD",
  "INVALID_JSON",
  "IO_ERROR",
  "UNSAFE_PATH",
  "LAYOUT_MISMATCH",
  "FILE_CONFLICT",
  "DANGLING_REFERENCE",
  "INVALID_OPERATION",
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Where an error applies: a byte offset in the input and/or a field path such as `operators[0].subtasks[1]`. */
export interface ErrorLocation {
  offset?: number;
  field?: string;
  file?: string;
}

/**
 * The only error type the codec throws for bad input
 * ([spec](../spec/format-v1.md#errors)).
 */
export class KsnapError extends Error {
  readonly code: ErrorCode;
  /** Byte offset in the input file, when the error concerns bytes. */
  offset: number | undefined;
  /** Field path such as `operators[0].subtasks[1]`, when the error concerns a field. */
  field: string | undefined;
  /** The file the error concerns, when known (the CLI sets it). */
  file: string | undefined;

  constructor(code: ErrorCode, message: string, where: ErrorLocation = {}) {
    super(message);
    this.name = "KsnapError";
    this.code = code;
    this.offset = where.offset;
    this.field = where.field;
    this.file = where.file;
  }

  /**
   * One line for a person: code, location, message. Without the code (`withCode` false) where the code is
   * reported beside it, as in a conformance adapter's error response.
   */
  describe(withCode = true): string {
    const at = [
      this.offset === undefined ? "" : `byte ${this.offset}`,
      this.field ?? "",
    ].filter((s) => s !== "");
    const file = this.file === undefined ? "" : `${fileLabel(this.file)}: `;
    const where = at.length ? `at ${at.join(", ")}` : "";
    const head = withCode ? `${this.code}${where ? ` ${where}` : ""}` : where;
    // The message may carry untrusted text (a name, bytes of the input): it stays one inert line.
    return `${file}${head}${head ? ": " : ""}${escapeControls(this.message)}`;
  }
}

/**
 * Re-throws `e` with `segment` prepended to its field path (and `base` added to
 * its offset): decoders add context on the way up instead of building paths
 * for every field they read.
 */
export function withContext(e: unknown, segment: string, base = 0): never {
  if (e instanceof KsnapError) {
    e.field = e.field === undefined || e.field === "" ? segment : joinField(segment, e.field);
    if (e.offset !== undefined) e.offset += base;
  }
  throw e;
}

function joinField(parent: string, child: string): string {
  if (parent === "") return child;
  return child.startsWith("[") ? parent + child : `${parent}.${child}`;
}

/** Runs `fn`; a KsnapError it throws is tagged with `file` (when it has none yet). */
export function inFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof KsnapError && e.file === undefined) e.file = file;
    throw e;
  }
}

/** True when `e` is a {@link KsnapError}. */
export function isKsnapError(e: unknown): e is KsnapError {
  return e instanceof KsnapError;
}
