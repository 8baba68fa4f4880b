/**
 * QoS flags and operation filters of a registration, by name: what users type, the package
 * constant the PL/SQL block uses, and the bit it stands for (to decode USER_CHANGE_NOTIFICATION_REGS).
 */
import { DcnError, usageError } from '../errors.js';

interface Flag {
  readonly constant: string;
  readonly bit: number;
}

const PKG = 'DBMS_CHANGE_NOTIFICATION';

export const QOS: Readonly<Record<string, Flag>> = {
  reliable: { constant: `${PKG}.QOS_RELIABLE`, bit: 1 },
  'dereg-nfy': { constant: `${PKG}.QOS_DEREG_NFY`, bit: 2 },
  rowids: { constant: `${PKG}.QOS_ROWIDS`, bit: 4 },
  query: { constant: `${PKG}.QOS_QUERY`, bit: 8 },
  'best-effort': { constant: `${PKG}.QOS_BEST_EFFORT`, bit: 16 },
};

export const OPERATIONS: Readonly<Record<string, Flag>> = {
  insert: { constant: `${PKG}.INSERTOP`, bit: 2 },
  update: { constant: `${PKG}.UPDATEOP`, bit: 4 },
  delete: { constant: `${PKG}.DELETEOP`, bit: 8 },
  alter: { constant: `${PKG}.ALTEROP`, bit: 16 },
  drop: { constant: `${PKG}.DROPOP`, bit: 32 },
};

/** Parses "reliable,rowids" (or repeated flags) into known names; a usage error lists the valid ones. */
export function parseNames(kind: 'qos' | 'operations', values: readonly string[]): string[] {
  const table = kind === 'qos' ? QOS : OPERATIONS;
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase().replace(/_/g, '-'));
  if (kind === 'operations' && names.length === 1 && names[0] === 'all') return [];
  for (const n of names) {
    if (!(n in table)) {
      throw usageError(
        `--${kind} ${n === '' ? '(empty)' : `'${n}'`} is not one of: ${Object.keys(table).join(', ')}${kind === 'operations' ? ', all' : ''}`,
        `e.g. --${kind} ${kind === 'qos' ? 'reliable,rowids' : 'insert,update,delete'}`,
      );
    }
  }
  if (kind === 'qos' && (names.includes('query') || names.includes('best-effort'))) {
    // With QOS_QUERY a change arrives as EVENT_QUERYCHANGE, its tables inside query_desc_array
    // (Database Development Guide, "Using Continuous Query Notification",
    // https://docs.oracle.com/en/database/oracle/oracle-database/19/adfns/cqn.html): the callback would log it and call nobody. Refused rather
    // than registered to be dropped in silence; best-effort has a meaning only with it.
    throw new DcnError(
      'usage',
      'query-result change notification arrives as EVENT_QUERYCHANGE, which the callback does not turn into calls; dcn registers object change notification only',
      {
        hint: 'leave it out: reliable,rowids notifies every committed change to the tables',
        meta: { option: 'qos', value: names.includes('query') ? 'query' : 'best-effort' },
      },
    );
  }
  return [...new Set(names)];
}

/** The PL/SQL expression for a set of flags, e.g. "DBMS_CHANGE_NOTIFICATION.QOS_RELIABLE + DBMS_CHANGE_NOTIFICATION.QOS_ROWIDS". */
export function flagExpression(kind: 'qos' | 'operations', names: readonly string[]): string {
  const table = kind === 'qos' ? QOS : OPERATIONS;
  if (names.length === 0) return kind === 'qos' ? '0' : `${PKG}.ALL_OPERATIONS`;
  return names.map((n) => table[n]!.constant).join(' + ');
}

export function flagBits(kind: 'qos' | 'operations', names: readonly string[]): number {
  const table = kind === 'qos' ? QOS : OPERATIONS;
  return names.reduce((bits, n) => bits | table[n]!.bit, 0);
}

/** Decodes a bit mask into names; unknown bits are shown as a number, and all of them when `named` is false. */
export function decodeFlags(kind: 'qos' | 'operations', bits: number | null | undefined, named = true): string[] {
  if (bits === null || bits === undefined) return [];
  if (!named) return bits === 0 ? [] : [`0x${bits.toString(16)}`];
  const table = kind === 'qos' ? QOS : OPERATIONS;
  if (kind === 'operations' && bits === 0) return ['all'];
  const names: string[] = [];
  let rest = bits;
  for (const [name, flag] of Object.entries(table)) {
    if ((bits & flag.bit) !== 0) {
      names.push(name);
      rest &= ~flag.bit;
    }
  }
  if (rest !== 0) names.push(`0x${rest.toString(16)}`);
  return names;
}
