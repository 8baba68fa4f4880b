/**
 * Large output written in pieces of about 64 KiB instead of one string: a 10 MB plan as one
 * JSON string (then one UTF-8 buffer) cost a third of `dcn migrate plan --json`, most of it in
 * the garbage collector (bench/RESULTS.md). 64 KiB measured fastest of 16 KiB … 1 MiB.
 */
const CHUNK = 64 * 1024;

/** Collects text and hands it to `write` in chunks; call flush() at the end. */
export class ChunkedText {
  private pending = '';

  constructor(private readonly write: (text: string) => void) {}

  readonly add = (text: string): void => {
    this.pending += text;
    if (this.pending.length >= CHUNK) this.flush();
  };

  flush(): void {
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.write(text);
  }
}

/**
 * Writes exactly what JSON.stringify(value, null, 2) returns, piece by piece: the same members
 * left out (undefined, functions, symbols), the same nulls in arrays, toJSON() honoured.
 */
export function writeJson(value: unknown, sink: (text: string) => void, indent = '', key = ''): void {
  if (value === null || typeof value !== 'object') {
    sink(JSON.stringify(value) ?? 'null');
    return;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    writeJson((toJSON as (key: string) => unknown).call(value, key), sink, indent, key);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return sink('[]');
    for (let i = 0; i < value.length; i++) {
      sink(i === 0 ? `[\n${inner}` : `,\n${inner}`);
      const item: unknown = value[i];
      if (omitted(item)) sink('null');
      else writeJson(item, sink, inner, String(i));
    }
    return sink(`\n${indent}]`);
  }
  let first = true;
  for (const name of Object.keys(value)) {
    const member: unknown = (value as Record<string, unknown>)[name];
    if (omitted(member)) continue;
    sink(`${first ? '{' : ','}\n${inner}${JSON.stringify(name)}: `);
    first = false;
    writeJson(member, sink, inner, name);
  }
  sink(first ? '{}' : `\n${indent}}`);
}

function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}
