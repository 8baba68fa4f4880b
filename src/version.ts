import { createRequire } from 'node:module';

let version: string | undefined;

/** dcn's version, from its package.json: two levels up from dist/src/, one from src/ (tests). */
export function packageVersion(): string {
  if (version === undefined) {
    const require = createRequire(import.meta.url);
    for (const candidate of ['../../package.json', '../package.json']) {
      try {
        const pkg = require(candidate) as { name?: string; version: string };
        if (pkg.name === 'dcn') {
          version = pkg.version;
          break;
        }
      } catch {
        // not there: try the next place
      }
    }
    version ??= 'unknown';
  }
  return version;
}
