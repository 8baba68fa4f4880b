import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The dcn package directory (holding package.json, sql/ and migrations/), from src/ or dist/src/. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'sql'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('dcn: cannot find its package directory');
    dir = parent;
  }
  root = dir;
  return root;
}

export function sqlPath(...parts: string[]): string {
  return join(packageRoot(), 'sql', ...parts);
}

export function builtInMigrationsDir(): string {
  return join(packageRoot(), 'migrations');
}
