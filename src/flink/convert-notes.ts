/** What a Flink conversion reports beside the snapshot: facts a user should know, none of them an error. */

/** Stable codes of {@link ConversionNote}. */
export type ConversionNoteCode =
  | "external-path"
  | "single-checkpoint-origins"
  | "oldest-checkpoint-origins"
  | "checkpoint-id-0"
  | "kind-from-option"
  | "payload-as-json"
  | "no-operators"
  | "empty-key-groups";

/** One fact about a conversion (README "Flink snapshots"; [spec](../../spec/flink.md#rules-of-the-mapping)). */
export interface ConversionNote {
  code: ConversionNoteCode;
  message: string;
  /** The Flink field the note is about (`operators[2].subtasks[0]…`), when there is one. */
  field?: string;
}

/** Collects notes, each (code, message) once. */
export class NoteList {
  readonly notes: ConversionNote[] = [];
  private readonly seen = new Set<string>();

  add(code: ConversionNoteCode, message: string, field?: string): void {
    const key = `${code}\0${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.notes.push(field === undefined ? { code, message } : { code, message, field });
  }
}
