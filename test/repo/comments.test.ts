/**
 * Comments say why the code is as it is now and cite sources anyone can open: Oracle's or
 * node-oracledb's documentation, a driver file, another project's tracker. This fails when a
 * comment cites a folder outside the repository or an issue of this project by number; history
 * belongs in commit messages.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const DIRS = ['src', 'test', 'bench', 'scripts', 'sql', 'examples', 'migrations', 'bin', '.ci', '.github'];
const SCRIPT = new Set(['.ts', '.mts', '.js', '.mjs', '.cjs']);

/** A path outside the repository, or one of this project's issues by its number. */
const FORBIDDEN: readonly [string, RegExp][] = [
  ['a folder outside the repository', /(?:\.\.\/)+shared\/|\/work\//],
  ['an issue number', /\bissues?\s*#?\d+|\bPR\s*#?\d+|\(#\d+\)|(?<![\w/&])#\d+\b(?!\))/i],
];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : files(path);
    return [path];
  });
}

/** Every comment of a TypeScript or JavaScript file, as the compiler reads them. */
function scriptComments(path: string, text: string): { line: number; text: string }[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const seen = new Map<number, { line: number; text: string }>();
  const visit = (node: ts.Node) => {
    for (const ranges of [ts.getLeadingCommentRanges(text, node.pos), ts.getTrailingCommentRanges(text, node.end)])
      for (const r of ranges ?? [])
        seen.set(r.pos, { line: source.getLineAndCharacterOfPosition(r.pos).line + 1, text: text.slice(r.pos, r.end) });
    for (const child of node.getChildren(source)) visit(child);
  };
  visit(source);
  return [...seen.values()];
}

/** Line comments of SQL (--), shell, YAML and PHP (#, //), and SQL's and PHP's block comments, outside quotes. */
function lineComments(path: string, text: string): { line: number; text: string }[] {
  const markers = extname(path) === '.sql' ? ['--'] : extname(path) === '.php' ? ['//', '#'] : ['#'];
  const out: { line: number; text: string }[] = [];
  let block = false;
  text.split('\n').forEach((line, i) => {
    let quote: string | undefined;
    for (let c = 0; c < line.length; c++) {
      const ch = line[c]!;
      if (block) {
        const end = line.indexOf('*/', c);
        out.push({ line: i + 1, text: line.slice(c, end === -1 ? undefined : end) });
        if (end === -1) return;
        block = false;
        c = end + 1;
      } else if (quote) {
        if (ch === quote) quote = undefined;
      } else if (ch === "'" || ch === '"') quote = ch;
      else if (
        markers.some((m) => line.startsWith(m, c)) &&
        (c === 0 || /\s|;|,|\)/.test(line[c - 1]!) || markers[0] === '--')
      ) {
        out.push({ line: i + 1, text: line.slice(c) });
        return;
      } else if (extname(path) !== '' && line.startsWith('/*', c) && !['.yml', '.yaml'].includes(extname(path))) {
        block = true;
        c++;
      }
    }
  });
  return out;
}

function comments(path: string): { line: number; text: string }[] {
  const text = readFileSync(path, 'utf8');
  if (SCRIPT.has(extname(path))) return scriptComments(path, text);
  if (['.sql', '.php', '.sh', '.yml', '.yaml', ''].includes(extname(path))) return lineComments(path, text);
  return [];
}

describe("the repository's comments", () => {
  it('cite no folder outside the repository and no issue number', { timeout: 120_000 }, () => {
    const found: string[] = [];
    for (const dir of DIRS) {
      for (const path of files(join(root, dir))) {
        for (const c of comments(path)) {
          for (const [what, pattern] of FORBIDDEN) {
            const m = pattern.exec(c.text);
            if (m) found.push(`${relative(root, path)}:${c.line}: ${what} (${m[0]}): ${c.text.trim().slice(0, 100)}`);
          }
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('are found in every kind of file it reads, so a citation cannot hide from it', () => {
    const at = (path: string, text: string) => (SCRIPT.has(extname(path)) ? scriptComments : lineComments)(path, text);
    expect(
      at('a.ts', "const a = '// not one'; // see issue 16\n/** #12 */ const b = /\\/\\//;").map((c) => c.text),
    ).toEqual(['// see issue 16', '/** #12 */']);
    expect(at('a.sql', "SELECT '--x' FROM t; -- ../shared/x\n/* a\n#12 */").map((c) => c.text)).toEqual([
      '-- ../shared/x',
      ' a',
      '#12 ',
    ]);
    expect(at('run', 'echo "#1" # issue 3\n').map((c) => c.text)).toEqual(['# issue 3']);
    for (const text of ['see issue 16', 'fixed in #12', '(#12)', '../shared/reference/x.md', '/work/main'])
      expect(
        FORBIDDEN.some(([, p]) => p.test(text)),
        text,
      ).toBe(true);
    // sources anyone can open, and text that only looks like a number sign
    for (const text of [
      'flyway#921',
      'oracle/node-oracledb#1234',
      '&#60;',
      'replay of #2)',
      'https://docs.oracle.com/x#GUID-1',
    ])
      expect(
        FORBIDDEN.some(([, p]) => p.test(text)),
        text,
      ).toBe(false);
  });
});
