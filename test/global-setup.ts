/**
 * Builds dist/ once, before any test, when a source is newer than it. Some tests run dcn as
 * other processes do (bin/dcn.js, `node -e "import('dist/…')"`): without this, a run that was
 * not preceded by `npm run build` would test the code as it was at the last build. `npm test`
 * builds just before, so there the build is found fresh and not repeated.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const inputs = ['src', 'examples', 'scripts/build-cli.mjs', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
const outputs = ['dist/cli/main.js', 'dist/src/index.js'];
/** Written last by npm run build: an incremental build leaves unchanged outputs with their old times. */
const builtStamp = 'dist/.built';

/** The newest modification below path, directories included (a deleted file changes its directory). */
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

function distIsStale(): boolean {
  const at = (p: string) => join(root, p);
  if (![...outputs, builtStamp].every((p) => existsSync(at(p)))) return true;
  const built = statSync(at(builtStamp)).mtimeMs;
  return inputs.some((p) => existsSync(at(p)) && newest(at(p)) > built);
}

export default function setup(): void {
  if (!distIsStale()) return;
  process.stdout.write('dist/ is older than the sources: npm run build\n');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}
