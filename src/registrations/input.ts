/**
 * What users type for a registration (tables, a regid, a timeout, the callback), validated before
 * any connection: every failure is a usage error (exit 2) that names the problem and the fix.
 */
import { DcnError, usageError } from '../errors.js';
import {
  displayName,
  isReservedWord,
  isUnquotedName,
  parseQualifiedName,
  type QualifiedName,
} from '../oracle/identifiers.js';
import { withoutPassword } from '../redact.js';
import { boundName } from './plans.js';

export const DEFAULT_CALLBACK = 'ORDERS_NF_CALLBACK';
export const DEFAULT_QOS = ['reliable', 'rowids'];
export const MAX_TABLES = 100;

/** Validates what users type for a registration; every failure is a usage error (exit 2). */
export function parseTables(inputs: readonly string[], maxBytes = 128, quoted = true): QualifiedName[] {
  if (inputs.length === 0)
    throw new DcnError('usage', 'no table given', {
      hint: 'name at least one, e.g. OE.ORDERS',
      meta: { option: 'table' },
    });
  if (inputs.length > MAX_TABLES)
    throw usageError(
      `${inputs.length} tables: at most ${MAX_TABLES} in one command`,
      'split them over several enable-reg calls',
    );
  const tables = inputs.map((i) => parseQualifiedName(i, 'table', maxBytes, quoted));
  const seen = new Set<string>();
  for (const t of tables) {
    const key = boundName(t);
    if (seen.has(key)) throw usageError(`table ${displayName(t)} is given twice`, 'name each table once');
    seen.add(key);
  }
  return tables;
}

/**
 * The tables of register and enable-reg: as parseTables, and only names the listener can serve.
 * The callback sends ?table=<name as stored>, which dcn listen --map takes only as a plain name
 * (upper-cased), so a quoted mixed-case table, or one in such a schema, would be notified and
 * never dropped: refused here, the one place routes are written.
 */
export function parseRoutableTables(inputs: readonly string[]): QualifiedName[] {
  const tables = parseTables(inputs, 128, false);
  for (const t of tables) {
    const plain = (part: string) => isUnquotedName(part) && part === part.toUpperCase() && !isReservedWord(part);
    if (!plain(t.name) || (t.schema !== undefined && !plain(t.schema))) {
      throw usageError(
        `table ${displayName(t)}: the listener's table map and the callback's ?table= name tables by plain upper-case names only, so no listener could serve its notifications`,
        'register tables whose names Oracle stores in upper case (created without quotes), e.g. OE.ORDERS',
      );
    }
  }
  return tables;
}

export function parseRegid(input: string): number {
  if (!/^[1-9]\d{0,14}$/.test(input.trim()))
    throw usageError(`'${input}' is not a registration id`, 'give the REGID shown by `dcn regs` (a whole number)');
  return Number(input.trim());
}

export function parseTimeout(input: string | undefined): number {
  if (input === undefined) return 0;
  if (!/^\d{1,10}$/.test(input.trim()) || Number(input) > 2147483647) {
    throw new DcnError('usage', 'not a whole number of seconds', {
      hint: 'e.g. 3600, or 0 for a registration that never expires',
      meta: { option: 'timeout', value: input },
    });
  }
  return Number(input);
}

export function parseCallback(input: string | undefined): QualifiedName {
  // a URL here is the callback URL given by mistake: refused without echoing a password it holds
  if (
    input !== undefined &&
    !input.startsWith('"') &&
    (/^[A-Za-z][\w+.-]*:\/\//.test(input) || /:[^@]*@/.test(input))
  ) {
    throw new DcnError(
      'usage',
      `callback '${withoutPassword(input)}' is a URL: the callback is the PL/SQL procedure the database calls, e.g. ORDERS_NF_CALLBACK`,
      {
        hint: 'name the procedure; the URL it calls is the callbackUrl setting, which dcn migrate applies',
        meta: { value: withoutPassword(input) },
      },
    );
  }
  const name = parseQualifiedName(input ?? DEFAULT_CALLBACK, 'callback', 128);
  // SYS.CHNF$_REG_INFO.callback is VARCHAR2(257) since 12.2 (catchnf.sql): schema.name at full length
  if (Buffer.byteLength(displayName(name)) > 257)
    throw usageError(
      `callback '${input}' is longer than the 257 bytes a registration holds`,
      'use a shorter name, or a synonym',
    );
  return name;
}
