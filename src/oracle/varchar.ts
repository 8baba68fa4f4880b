/**
 * VARCHAR2(n) counts bytes unless a column says CHAR (Database SQL Language Reference, "Character
 * Data Types", https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Data-Types.html): slicing a JavaScript string to n characters can
 * still raise ORA-12899 for text in Greek, Chinese or with a euro sign. dcn's own columns are
 * byte-sized, and the database character set of Oracle 19c and later defaults to AL32UTF8, whose
 * bytes are UTF-8's; in a single-byte character set the text only takes less room.
 */

/** The longest prefix of text of at most maxBytes UTF-8 bytes, never cut inside a character. */
export function truncateBytes(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text; // no character takes more than 3 bytes per UTF-16 unit
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // back to the first byte of a character
  return bytes.toString('utf8', 0, end);
}
