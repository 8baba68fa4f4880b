import { readdirSync } from 'node:fs';
import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CommandDefinition } from '../../src/cli/command-registry.js';
import type { CommandContext } from '../../src/cli/context.js';
import * as options from '../../src/cli/options.js';
import { createProgram } from '../../src/cli/program.js';
import type { OptionGroup } from '../../src/cli/options.js';

const shared: [string, OptionGroup][] = Object.entries(options as Record<string, unknown>).filter(
  (e): e is [string, OptionGroup] => typeof e[1] === 'object' && e[1] !== null,
);

// every command's definition, as program.ts lists them: one commands/<name>.command.ts each
const commandsDir = new URL('../../src/cli/commands/', import.meta.url);
const definitionFiles = readdirSync(commandsDir).filter((f) => f.endsWith('.command.ts'));
const definitions: [string, OptionGroup][] = [];
const definedNames: string[] = [];
for (const file of definitionFiles) {
  const mod = (await import(/* @vite-ignore */ new URL(file, commandsDir).href)) as Record<string, unknown>;
  for (const value of Object.values(mod)) {
    const def = value as Partial<CommandDefinition>;
    if (typeof def === 'object' && def !== null && typeof def.name === 'string' && def.options) {
      definitions.push([`${file}: ${def.name}`, def.options]);
      definedNames.push(def.name);
    }
  }
}

describe('option definitions', () => {
  it('finds a definition in each command definition file', () => {
    expect(definitionFiles.length).toBeGreaterThan(0);
    expect(definitions).toHaveLength(definitionFiles.length);
  });

  it('declares every command that runs a handler from its own definition file, and no other', () => {
    const program = createProgram({ env: {}, cwd: '/', holder: 'x' } as unknown as CommandContext, '0.0.0');
    // `log` only groups its subcommands and `help` shows help: neither runs a handler
    const declared = (cmd: Command): string[] =>
      cmd.commands.flatMap((c) => [...(['log', 'help'].includes(c.name()) ? [] : [c.name()]), ...declared(c)]);
    expect(declared(program).sort()).toEqual([...definedNames].sort());
  });

  it.each([...shared, ...definitions])(
    '%s: each key is the name commander gives its flag, so the types match what commands receive',
    (_name, group) => {
      for (const [key, spec] of Object.entries(group)) {
        const option = new Option(spec.flags, spec.description);
        expect(option.attributeName()).toBe(key);
        expect(option.required || option.optional).toBe(/[<[]/.test(spec.flags));
      }
    },
  );
});
