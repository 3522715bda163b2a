/**
 * File-system errors in words and as typed errors: the one place that turns an
 * errno code into the text a user reads ([spec](../../spec/format-v1.md#errors)).
 */
import { KsnapError } from "../errors.js";

/** A short reason for a failed file-system call, by errno code. */
export function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT": return "no such file or folder";
    case "ENOTDIR": return "a folder on its path is a file";
    case "ELOOP": return "a loop of symbolic links, or a symbolic link where none is followed";
    case "EACCES":
    case "EPERM": return "permission denied";
    case "EISDIR": return "is a folder";
    case "ENOSPC": return "no space left on the device";
    case "EROFS": return "read-only file system";
    case "ENOTEMPTY": return "the folder is not empty";
    case "EBUSY": return "busy";
    case "ENAMETOOLONG": return "the name is too long for the file system";
    default: return code ?? (e instanceof Error ? e.message : String(e));
  }
}

/** `e` as a KsnapError IO_ERROR naming `file` and what was being done; a KsnapError passes through. */
export function ioError(e: unknown, what: string, file: string): KsnapError {
  if (e instanceof KsnapError) return e;
  return new KsnapError("IO_ERROR", `${what}: ${errnoText(e)}`, { file });
}
