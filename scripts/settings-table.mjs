// Writes the README's settings tables from the settings' records (src/config/settings.ts):
//   node scripts/settings-table.mjs          exits 1 and says so when README.md differs
//   node scripts/settings-table.mjs --write  rewrites the tables between their markers
// The TypeScript is bundled in memory by esbuild, so no build is needed first.
import { readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);
const bundle = await build({
  entryPoints: [new URL('src/config/settings-table.ts', root).pathname],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
  logLevel: 'warning',
});
const { withSettingsTables } = await import(
  `data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString('base64')}`
);
const readmePath = new URL('README.md', root);
const readme = readFileSync(readmePath, 'utf8');
const made = withSettingsTables(readme);
if (process.argv.includes('--write')) {
  if (made !== readme) writeFileSync(readmePath, made);
  console.log(made === readme ? 'README.md: settings tables already up to date' : 'README.md: settings tables written');
} else if (made !== readme) {
  console.error(
    'README.md: the settings tables differ from src/config/settings.ts; run node scripts/settings-table.mjs --write',
  );
  process.exit(1);
}
