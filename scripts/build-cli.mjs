// Bundles the CLI (src/cli/main.ts and everything it imports, commander included) into
// dist/cli/, one chunk per lazily loaded command. Why: on Node 20 every ES module costs
// start-up time, and commander loaded as CommonJS from ESM is scanned for exports first;
// bundled, `dcn --help` and `dcn migrate plan` meet their start-up targets (bench/RESULTS.md).
// oracledb, knex, read and prom-client stay external and are loaded only by the commands that need them.
// commander requires node:child_process only to spawn *executable* subcommands, which dcn does
// not have; loading it costs every start ~3 ms, so commander gets a stub that fails loudly.
import { rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

rmSync(new URL('../dist/cli', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/main.ts'],
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['oracledb', 'knex', 'read', 'prom-client'],
  // commander is CommonJS and requires node builtins: give the ESM bundle a real require.
  banner: {
    js: "import { createRequire as __dcnCreateRequire } from 'node:module'; const require = __dcnCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  plugins: [
    {
      name: 'commander-without-child-process',
      setup(b) {
        b.onResolve({ filter: /^node:child_process$/ }, (args) =>
          /[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process-stub', namespace: 'dcn-stub' } : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: 'dcn-stub' }, () => ({
          contents: "exports.spawn = () => { throw new Error('dcn: executable subcommands are not supported'); };",
          loader: 'js',
        }));
      },
    },
  ],
});

// The build's end, for test/global-setup.ts: tsc builds incrementally and leaves an output whose
// source did not change as it was, so no output's time says when the build last ran.
writeFileSync(new URL('../dist/.built', import.meta.url), `${new Date().toISOString()}\n`);
