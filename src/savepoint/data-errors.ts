/**
 * Errors of savepoint data files ([spec](../../spec/savepoint-data.md#errors)): a
 * {@link KsnapError} with a stable code of format-v1 whose message names the
 * file, the key group and the block, so a person can find the bad bytes.
 */
import { KsnapError, type ErrorCode } from "../errors.js";

/** Where in a data file an error applies. */
export interface DataLocation {
  file?: string | undefined;
  /** Byte offset in the file (of the frame, for a block). */
  offset?: number | undefined;
  keyGroup?: number | undefined;
  /** Frame number within the key group (the end marker's is the number of data blocks). */
  block?: number | undefined;
  /** Field path for handle and argument errors, such as `offsets[3]`. */
  field?: string | undefined;
}

/**
 * A {@link KsnapError} about a data file; `keyGroup` and `block` locate it
 * ([spec](../../spec/savepoint-data.md#reading-a-file)).
 */
export class SavepointDataError extends KsnapError {
  readonly keyGroup: number | undefined;
  readonly block: number | undefined;

  constructor(code: ErrorCode, detail: string, where: DataLocation = {}) {
    super(code, `${locationText(where)}${detail}`, {
      file: where.file,
      offset: where.offset,
      field: where.field ?? blockField(where),
    });
    this.name = "SavepointDataError";
    this.keyGroup = where.keyGroup;
    this.block = where.block;
  }

  /** The message already names file, key group, block and offset. */
  override describe(): string {
    return `${this.code}: ${this.message}`;
  }
}

/** `keyGroup[7].block[3]`: key group and frame numbers, not list indexes. */
function blockField(where: DataLocation): string | undefined {
  if (where.keyGroup === undefined) return undefined;
  return where.block === undefined ? `keyGroup[${where.keyGroup}]` : `keyGroup[${where.keyGroup}].block[${where.block}]`;
}

function locationText(where: DataLocation): string {
  const parts: string[] = [];
  if (where.keyGroup !== undefined) parts.push(`key group ${where.keyGroup}`);
  if (where.block !== undefined) parts.push(`block ${where.block}`);
  if (where.offset !== undefined) parts.push(`at byte ${where.offset}`);
  const file = where.file === undefined ? "" : `${where.file}: `;
  return parts.length === 0 ? file : `${file}${parts.join(", ")}: `;
}
