/** Rendering migrations into the statements that run, shared by the engine and the plan. */
import { createHash } from 'node:crypto';
import type { Statement } from '../script/split.js';
import { renderScript, type Variables } from '../script/substitute.js';
import type { Migration } from './source.js';

export interface Rendered {
  readonly up: readonly Statement[];
  readonly down?: readonly Statement[];
  /** The configuration variables the V or R script uses. */
  readonly uses: readonly string[];
  /**
   * What the history records of the script: the file's checksum for a versioned migration; for a
   * repeatable one, half of it and half of the rendered statements' hash, so that a change of a
   * setting it uses makes it outdated, and status can say whether the file or a setting changed.
   */
  readonly checksum: string;
}

/** The hash of what runs: every rendered statement. */
function renderedHash(statements: readonly Statement[]): string {
  return prefixHash(statements, statements.length);
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
    const up = renderScript(m.up.items, variables);
    out.set(m.version, {
      up: up.statements,
      down: withDown && m.down ? renderScript(m.down.items, variables).statements : undefined,
      uses: up.uses,
      checksum: m.repeatable ? `${m.up.checksum.slice(0, 32)}${renderedHash(up.statements).slice(0, 32)}` : m.up.checksum,
    });
  }
  return out;
}
