// Several scripts write one report file (bench/MUTANTS.md): each owns the part between its own two
// markers and rewrites only that, so running one leaves what the others wrote as it was.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Replaces the section `name` of the file at path with text (added at the end when it is not there yet). */
export function writeSection(path, name, text) {
  const begin = `<!-- ${name}: begin (generated, do not edit by hand) -->`;
  const end = `<!-- ${name}: end -->`;
  const block = `${begin}\n${text.trim()}\n${end}`;
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const from = old.indexOf(begin);
  const to = old.indexOf(end);
  const updated =
    from >= 0 && to > from
      ? old.slice(0, from) + block + old.slice(to + end.length)
      : `${old.trimEnd()}${old.trim() ? '\n\n' : ''}${block}\n`;
  writeFileSync(path, updated);
}
