/** A small tmpfs for one test, where this machine allows mounting one (root, as CI runs). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function smallTmpfs(
  sizeKb: number,
): { dir: string; remountReadOnly(): void; remountReadWrite(): void; umount(): void } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'dcn-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir]);
  if (r.status !== 0) return undefined;
  return {
    dir,
    remountReadOnly: () => void spawnSync('mount', ['-o', 'remount,ro', dir]),
    remountReadWrite: () => void spawnSync('mount', ['-o', 'remount,rw', dir]),
    umount: () => void spawnSync('umount', [dir]),
  };
}
