/**
 * The README's settings tables, made from the settings' records: `node scripts/settings-table.mjs
 * --write` rewrites each between its markers, and test/config/settings-table.test.ts fails when
 * the README and the records differ.
 */
import { settingRecords, type SettingRecord } from './settings.js';

type Table = SettingRecord['table'];

const code = (text: string) => `\`${text}\``;

function flagCell(r: SettingRecord): string {
  if (r.flags === undefined) return '—';
  const [long, placeholder] = r.flags.split(' ');
  if (r.choices) return code(`${long} ${r.choices.join('\\|')}`);
  if (r.repeatable) return `${code(`${long} ${placeholder!.replace(/[<>]/g, '')}`)} (repeatable)`;
  return code(long!);
}

function defaultCell(r: SettingRecord): string {
  if (r.defaultText !== undefined) return r.defaultText;
  if (typeof r.default === 'number') return String(r.default);
  if (r.default !== undefined) return code(r.default);
  return r.type === 'yes-no' ? 'off' : '—';
}

function fileCell(name: string, r: SettingRecord): string {
  if (r.fileKey === false) return '—';
  return code(r.fileShape ?? r.fileKey ?? name);
}

/** One table, as markdown lines. */
export function settingsTable(table: Table): string {
  const rows = settingRecords()
    .filter(([, r]) => r.table === table)
    .map(
      ([name, r]) =>
        `| ${r.label} | ${flagCell(r)} | ${r.env ? code(r.env) : '—'} | ${fileCell(name, r)} | ${defaultCell(r)} |`,
    );
  return ['| setting | flag | environment | `dcn.config.json` | default |', '|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}

const TABLES: readonly Table[] = ['schema', 'general'];

/** The README with each table between its markers made again; throws if a marker is missing. */
export function withSettingsTables(readme: string): string {
  let text = readme;
  for (const table of TABLES) {
    const open = `<!-- settings-table:${table} (made by scripts/settings-table.mjs: edit src/config/settings.ts) -->`;
    const close = `<!-- /settings-table:${table} -->`;
    const start = text.indexOf(open);
    const end = text.indexOf(close);
    if (start === -1 || end < start)
      throw new Error(`README.md: the markers of the ${table} settings table are missing`);
    text = `${text.slice(0, start + open.length)}\n${settingsTable(table)}\n${text.slice(end)}`;
  }
  return text;
}
