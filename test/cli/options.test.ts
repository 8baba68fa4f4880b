import { Option } from 'commander';
import { describe, expect, it } from 'vitest';
import * as options from '../../src/cli/options.js';
import type { OptionGroup } from '../../src/cli/options.js';

const groups: [string, OptionGroup][] = Object.entries(options as Record<string, unknown>).filter(
  (e): e is [string, OptionGroup] => typeof e[1] === 'object' && e[1] !== null,
);

describe('option definitions', () => {
  it.each(groups)(
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
