import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config/settings.js';
import { settingsTable, withSettingsTables } from '../../src/config/settings-table.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

describe("the README's settings tables", () => {
  it('are what the settings records make (node scripts/settings-table.mjs --write writes them)', () => {
    expect(withSettingsTables(readme)).toBe(readme);
  });

  it('list every setting once, with its flag, environment variable and config key', () => {
    const tables = settingsTable('schema') + settingsTable('general');
    for (const [name, r] of Object.entries(SETTINGS)) {
      const row = tables.split('\n').filter((l) => l.startsWith(`| ${r.label} |`));
      expect(row, name).toHaveLength(1);
      if ('env' in r) expect(row[0]).toContain(`\`${r.env}\``);
      if ('flags' in r) expect(row[0]).toContain(`\`${r.flags.split(' ')[0]}`);
    }
  });

  it('differ from the README once a record changes, and the README is rewritten to match', () => {
    const stale = readme.replace('| `DCN_LOCK_TIMEOUT` |', '| `DCN_LOCK_WAIT` |');
    expect(stale).not.toBe(readme);
    expect(withSettingsTables(stale)).toBe(readme);
  });

  it('refuse a README without the markers rather than append a table', () => {
    expect(() => withSettingsTables('# dcn\n')).toThrow(/markers of the schema settings table are missing/);
  });
});
