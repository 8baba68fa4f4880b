import { existsSync, statfsSync, statSync } from 'node:fs';
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

/**
 * Filesystems that are not storage (statfs f_type, from linux/magic.h): a directory there is
 * refused at once. mkdir -p below /proc never succeeds and, in Node, never fails either.
 */
const PSEUDO_FILESYSTEMS = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x73636673, 'securityfs'],
  [0x1cd1, 'devpts'],
  [0xcafe4a11, 'bpf'],
  [0x62656570, 'configfs'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
]);

/** The nearest existing directory at or above path. */
function existingAncestor(path: string): string {
  let at = path;
  for (;;) {
    if (statSync(at, { throwIfNoEntry: false }) !== undefined) return at;
    const up = dirname(at);
    if (up === at) return at;
    at = up;
  }
}

/**
 * The pseudo filesystem (proc, sysfs, …) an absolute path would be made on, with the nearest
 * existing directory above it; undefined on storage. Checked before dcn makes a directory.
 */
export function pseudoFilesystem(absolute: string): { ancestor: string; kind: string } | undefined {
  const ancestor = existingAncestor(absolute);
  let kind: string | undefined;
  try {
    kind = PSEUDO_FILESYSTEMS.get(statfsSync(ancestor).type);
  } catch {
    kind = undefined; // not ours to judge: creating it will tell
  }
  return kind === undefined ? undefined : { ancestor, kind };
}
