/** Rendering migrations into the statements that run, shared by the engine and the plan. */
import { createHash } from 'node:crypto';
import type { Statement } from '../script/split.js';
import { renderScript, type Variables } from '../script/substitute.js';
import type { Migration } from './source.js';

export interface Rendered {
  readonly up: readonly Statement[];
  readonly down?: readonly Statement[];
}

/** Hash of the first `count` statements: lets --resume prove the part already run is unchanged. */
export function prefixHash(statements: readonly Statement[], count: number): string {
  const h = createHash('sha256');
  for (let i = 0; i < count; i++) h.update(statements[i]!.sql).update('\0');
  return h.digest('hex');
}

/** Renders every statement of every migration; throws before any connection on a bad script. */
export function renderMigrations(migrations: readonly Migration[], variables: Variables = {}, options: { down?: boolean } = {}): Map<string, Rendered> {
  const out = new Map<string, Rendered>();
  const withDown = options.down ?? true;
  for (const m of migrations) {
    out.set(m.version, {
      up: renderScript(m.up.items, variables).statements,
      down: withDown && m.down ? renderScript(m.down.items, variables).statements : undefined,
    });
  }
  return out;
}
