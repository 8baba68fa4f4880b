/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: it throws
 * on anything a scraper would refuse or misread (a sample of an undeclared family, a family
 * declared twice, a bad name, label or escape, a value that is no number, the same series twice,
 * histogram buckets that are not cumulative or disagree with _count).
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly help: string;
  readonly samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, line: number): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  // Prometheus reads values with Go's strconv.ParseFloat, which takes NaN in any case; prom-client
  // writes "Nan" (its nodejs_eventloop_lag_* gauges before the first sample)
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text))
    throw new Error(`line ${line}: ${JSON.stringify(text)} is not a sample value`);
  return Number(text);
}

/** Reads `{a="x",b="y"}` from position i (at the `{`); returns the labels and the position after `}`. */
function parseLabels(text: string, i: number, line: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  i++; // {
  while (text[i] !== '}') {
    const eq = text.indexOf('=', i);
    if (eq === -1) throw new Error(`line ${line}: a label without =`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name) || name.startsWith('__'))
      throw new Error(`line ${line}: ${JSON.stringify(name)} is not a label name`);
    if (name in labels) throw new Error(`line ${line}: label ${name} given twice`);
    if (text[eq + 1] !== '"') throw new Error(`line ${line}: label ${name}'s value is not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new Error(`line ${line}: label ${name}'s value is not closed`);
      if (c === '"') break;
      if (c === '\\') {
        const n = text[j + 1];
        if (n === '\\' || n === '"') value += n;
        else if (n === 'n') value += '\n';
        else throw new Error(`line ${line}: bad escape \\${n ?? ''} in label ${name}`);
        j += 2;
      } else {
        value += c;
        j++;
      }
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`line ${line}: expected , or } after label ${name}`);
  }
  return [labels, i + 1];
}

/** The family a sample name belongs to: itself, or a histogram's or summary's _bucket, _sum, _count. */
function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  const own = families.get(name);
  if (own) return own;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  const base = m && families.get(m[1]!);
  if (base && (base.type === 'histogram' || (base.type === 'summary' && m![2] !== 'bucket'))) return base;
  return undefined;
}

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  const seen = new Set<string>();
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text does not end with a line feed');
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!m) return; // a comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: ${JSON.stringify(name)} is not a metric name`);
      if (kind === 'HELP') {
        if (helps.has(name)) throw new Error(`line ${line}: HELP for ${name} given twice`);
        helps.set(
          name,
          rest.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)),
        );
        return;
      }
      if (!TYPES.has(rest)) throw new Error(`line ${line}: ${JSON.stringify(rest)} is not a metric type`);
      if (families.has(name)) throw new Error(`line ${line}: TYPE for ${name} given twice`);
      families.set(name, { name, type: rest as Family['type'], help: helps.get(name) ?? '', samples: [] });
      return;
    }
    const nameEnd = raw.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`line ${line}: not a sample: ${raw}`);
    const name = raw.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: ${JSON.stringify(name)} is not a metric name`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (raw[i] === '{') [labels, i] = parseLabels(raw, i, line);
    if (raw[i] !== ' ') throw new Error(`line ${line}: expected a space before the value`);
    const parts = raw.slice(i + 1).split(' ');
    if (parts.length > 2 || (parts.length === 2 && !/^-?\d+$/.test(parts[1]!)))
      throw new Error(`line ${line}: expected a value and at most a timestamp`);
    const value = parseValue(parts[0]!, line);
    const family = familyOf(name, families);
    if (!family) throw new Error(`line ${line}: ${name} has no TYPE line before it`);
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(series)) throw new Error(`line ${line}: the series ${series} is given twice`);
    seen.add(series);
    family.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const g = groups.get(key) ?? { buckets: [] };
    groups.set(key, g);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}: a bucket without le`);
      g.buckets.push([parseValue(le, 0), s.value]);
    } else if (s.name === `${f.name}_count`) g.count = s.value;
  }
  for (const [key, g] of groups) {
    const sorted = [...g.buckets].sort((a, b) => a[0] - b[0]);
    sorted.forEach(([, v], i) => {
      if (i > 0 && v < sorted[i - 1]![1]) throw new Error(`${f.name}${key}: buckets are not cumulative`);
    });
    const inf = sorted.at(-1);
    if (!inf || inf[0] !== Infinity || inf[1] !== g.count)
      throw new Error(`${f.name}${key}: the +Inf bucket does not match _count`);
  }
}

/** The value of one series: the sample whose labels are exactly these; undefined if there is none. */
export function valueOf(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      const keys = Object.keys(s.labels);
      if (keys.length === Object.keys(labels).length && keys.every((k) => s.labels[k] === labels[k])) return s.value;
    }
  }
  return undefined;
}
