import { describe, expect, it } from 'vitest';
import { table } from '../../src/cli/table.js';

describe('table', () => {
  it('pads by display width: wide characters, combining accents and colour codes line up', () => {
    const lines = table(
      ['Name', 'Note'],
      [
        ['注文', 'wide'],
        ['Cafe\u0301', 'combining'],
        ['\u001b[32mok\u001b[39m', 'coloured'],
        ['plain', 'ascii'],
      ],
    );
    expect(lines).toEqual([
      'Name   Note',
      '-----  ---------',
      '注文   wide', // 注文 takes 4 columns, not 2
      'Cafe\u0301   combining', // the accent takes none
      '\u001b[32mok\u001b[39m     coloured', // the colour codes take none
      'plain  ascii',
    ]);
  });
});
