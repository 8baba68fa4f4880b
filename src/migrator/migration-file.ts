/**
 * Reading a migration file: its bytes as UTF-8 text, or a clear error for a directory, an
 * unreadable file, a UTF-16 file or bytes that are not UTF-8.
 */
import { isUtf8 } from 'node:buffer';
import { readdirSync, readFileSync } from 'node:fs';
import { DcnError } from '../errors.js';

export interface SourceFs {
  readdir(dir: string): string[];
  /** The file's text, or its bytes (decoded as UTF-8 here). */
  readFile(path: string): string | Buffer;
}

export const nodeFs: SourceFs = {
  readdir: (dir) => readdirSync(dir),
  readFile: (path) => readFileSync(path),
};

/** The byte offset of the first byte that is not UTF-8, or -1. */
function firstInvalidUtf8(bytes: Buffer): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    const n = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= bytes.length || (bytes[i + k]! & 0xc0) !== 0x80) return i;
    const c =
      n === 0
        ? b
        : n === 1
          ? ((b & 0x1f) << 6) | (bytes[i + 1]! & 0x3f)
          : n === 2
            ? ((b & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f)
            : ((b & 0x07) << 18) |
              ((bytes[i + 1]! & 0x3f) << 12) |
              ((bytes[i + 2]! & 0x3f) << 6) |
              (bytes[i + 3]! & 0x3f);
    if ((n === 2 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) || (n === 3 && (c < 0x10000 || c > 0x10ffff)))
      return i;
    i += n + 1;
  }
  return -1;
}

/**
 * A migration file's content: a directory with a migration's name, or bytes that are not UTF-8
 * (a Latin-1 "café" would become U+FFFD in the plan and in the database), are refused.
 */
function looksUtf16(content: Buffer): boolean {
  if (
    content.length >= 2 &&
    ((content[0] === 0xff && content[1] === 0xfe) || (content[0] === 0xfe && content[1] === 0xff))
  )
    return true;
  const sample = content.subarray(0, 512);
  let nuls = 0;
  for (const b of sample) if (b === 0) nuls++;
  return sample.length >= 4 && nuls * 3 >= sample.length;
}

export function readMigrationFile(fs: SourceFs, path: string): string | Buffer {
  let content: string | Buffer;
  try {
    content = fs.readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'EISDIR')
      throw new DcnError('script_invalid', `${path} is a directory, not a migration file`, {
        hint: 'rename the directory, or move it out of the migrations directory',
        cause,
      });
    throw new DcnError('script_invalid', `cannot read ${path}: ${(cause as Error).message}`, {
      hint: 'check the file and its permissions',
      cause,
    });
  }
  // a UTF-16 file (as Windows editors save "Unicode"): its byte-order mark, or a NUL in every other
  // byte (ASCII text in UTF-16 is valid UTF-8, NULs and all)
  if (typeof content !== 'string' && looksUtf16(content)) {
    throw new DcnError('script_invalid', `${path} is UTF-16, not UTF-8`, {
      hint: 'save the file as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)',
    });
  }
  if (typeof content !== 'string' && !isUtf8(content)) {
    const at = firstInvalidUtf8(content);
    throw new DcnError(
      'script_invalid',
      `${path}: byte ${at} (line ${content.subarray(0, at).toString('latin1').split('\n').length}) is not UTF-8`,
      {
        hint: 'save the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)',
      },
    );
  }
  return content;
}
