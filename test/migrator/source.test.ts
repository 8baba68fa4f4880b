import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareVersions, loadMigrations } from '../../src/migrator/source.js';
import { checksumOf, checksumOfBytes, loadScript, parseHeader } from '../../src/migrator/migration-script.js';
import { DcnError } from '../../src/errors.js';
import { buildPlan } from '../../src/migrator/plan.js';

/** A migrations directory holding these files (names may hold subdirectories). */
function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dcn-src-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function loadError(files: Record<string, string>): DcnError {
  try {
    loadMigrations(dirWith(files));
  } catch (err) {
    return err as DcnError;
  }
  throw new Error('expected an error');
}

describe('loadMigrations', () => {
  it('orders by numeric version, pairs undo scripts and reads headers', () => {
    const dir = dirWith({
      'V10__ten.sql': 'SELECT 10 FROM dual;',
      'V2__two_words.sql': '-- dcn: profile=admin\nGRANT x TO y;',
      'V2_1__two_one.sql': 'SELECT 21 FROM dual;',
      'U2__two_words.sql': 'REVOKE x FROM y;',
      'README.md': 'not a migration',
      'helpers.sql': 'ignored: not V/U',
    });
    const ms = loadMigrations(dir);
    expect(ms.map((m) => [m.version, m.description, m.up.profile, m.down?.file])).toEqual([
      ['2', 'two words', 'admin', 'U2__two_words.sql'],
      ['2.1', 'two one', 'app', undefined],
      ['10', 'ten', 'app', undefined],
    ]);
  });

  it.each([
    [{ 'V1_create.sql': '' }, /not a migration file name/],
    [{ 'v1__create.sql': '' }, /not a migration file name/],
    [{ 'V1__a.sql': 'SELECT 1 FROM dual;', 'V01__b.sql': 'SELECT 1 FROM dual;' }, /two V scripts for version 1/],
    [{ 'U3__gone.sql': 'SELECT 1 FROM dual;' }, /undoes version 3, but there is no V3/],
    [{ 'V1__bad.sql': '-- dcn: profile=root\nSELECT 1 FROM dual;' }, /V1__bad\.sql:1: profile must be app or admin/],
    [{ 'V1__bad.sql': '-- dcn: runas=sys\nSELECT 1 FROM dual;' }, /unknown header key 'runas'/],
    [{ 'V1__bad.sql': 'BEGIN NULL; END;' }, /V1__bad\.sql:1: the PL\/SQL unit starting at line 1 is not ended/],
  ])('rejects a malformed set %#', (files, message) => {
    const err = loadError(files as Record<string, string>);
    expect(err).toBeInstanceOf(DcnError);
    expect(err.message).toMatch(message);
  });

  it('says which directory it cannot read', () => {
    expect(() => loadMigrations('/nonexistent/dcn')).toThrow(/cannot read the migrations directory \/nonexistent\/dcn/);
  });
});

describe('checksumOf', () => {
  it('ignores line endings and a BOM, and nothing else', () => {
    expect(checksumOf('a\r\nb\r\n')).toBe(checksumOf('a\nb\n'));
    expect(checksumOf('\uFEFFa\nb\n')).toBe(checksumOf('a\nb\n'));
    expect(checksumOf('a\nb \n')).not.toBe(checksumOf('a\nb\n'));
  });
});

describe('compareVersions / parseHeader', () => {
  it('compares numerically by part', () => {
    expect(['10', '2', '2.10', '2.9', '1'].sort(compareVersions)).toEqual(['1', '2', '2.9', '2.10', '10']);
  });

  it('reads the header only among leading comments', () => {
    expect(parseHeader('-- a comment\n-- dcn: profile=admin\nSELECT 1 FROM dual;', 'f').profile).toBe('admin');
    expect(parseHeader('SELECT 1 FROM dual;\n-- dcn: profile=admin', 'f').profile).toBe('app');
  });
});

describe('a script read as bytes', () => {
  it('has the checksum of its text, whatever its line endings, byte-order mark or encoding faults', () => {
    const texts = [
      Buffer.from('CREATE TABLE t (x NUMBER);\n'),
      Buffer.from("INSERT INTO t VALUES ('Grüße, 東京');\n"),
      Buffer.from('CREATE TABLE t (x NUMBER);\r\n'),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('CREATE TABLE t (x NUMBER);\n')]),
      Buffer.concat([Buffer.from("INSERT INTO t VALUES ('"), Buffer.from([0xff, 0xc3]), Buffer.from("');\n")]),
    ];
    for (const bytes of texts) {
      const fromBytes = loadScript('/m/V1__t.sql', 'V1__t.sql', bytes);
      const fromText = loadScript('/m/V1__t.sql', 'V1__t.sql', bytes.toString('utf8'));
      expect(fromBytes.checksum, JSON.stringify(bytes.toString('latin1'))).toBe(fromText.checksum);
      expect(fromBytes.items).toEqual(fromText.items);
    }
    // and the byte path is the one taken where it can be
    expect(checksumOfBytes(texts[1]!)).toBe(checksumOf(texts[1]!.toString('utf8')));
    for (const i of [2, 3, 4]) expect(checksumOfBytes(texts[i]!)).toBeUndefined();
  });
});

describe('migration directories that used to slip through', () => {
  const refusal = (dir: string) => {
    try {
      loadMigrations(dir);
    } catch (e) {
      return e as DcnError;
    }
    throw new Error('expected a refusal');
  };

  it('refuses V1 and V1.0 (and V1_0) as two migrations: versions compare as numbers', () => {
    for (const other of ['V1.0__b.sql', 'V1_0_0__b.sql', 'V01__b.sql']) {
      const e = refusal(dirWith({ 'V1__a.sql': 'SELECT 1 FROM dual;\n', [other]: 'SELECT 2 FROM dual;\n' }));
      expect(e.code, other).toBe('script_invalid');
      expect(e.message).toMatch(/two V scripts for version 1: /);
    }
    expect(
      loadMigrations(dirWith({ 'V1__a.sql': 'SELECT 1 FROM dual;\n', 'V1.1__b.sql': 'SELECT 2 FROM dual;\n' })).map(
        (m) => m.version,
      ),
    ).toEqual(['1', '1.1']);
  });

  it('refuses a directory named like a migration, naming it', () => {
    const dir = dirWith({});
    mkdirSync(join(dir, 'V1__dir.sql'));
    const e = refusal(dir);
    expect([e.code, e.message]).toEqual([
      'script_invalid',
      `${join(dir, 'V1__dir.sql')} is a directory, not a migration file`,
    ]);
  });

  it('refuses a file that is not UTF-8, with the byte offset and line of the first bad byte', () => {
    const dir = dirWith({});
    writeFileSync(
      join(dir, 'V1__latin.sql'),
      Buffer.concat([
        Buffer.from("SELECT 1 FROM dual;\nINSERT INTO t VALUES ('caf"),
        Buffer.from([0xe9]),
        Buffer.from("');\n"),
      ]),
    );
    const e = refusal(dir);
    expect(e.code).toBe('script_invalid');
    expect(e.message).toBe(`${join(dir, 'V1__latin.sql')}: byte 46 (line 2) is not UTF-8`);
    expect(e.hint).toMatch(/iconv/);
    // each kind of bad sequence, after good ones of every length
    const good = Buffer.from('-- a é, a € and a 😀\n');
    for (const bad of [
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0xe2, 0x82],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe0, 0x80, 0x80],
      [0xf0, 0x80, 0x80, 0x80],
      [0x80],
      [0xf8],
    ]) {
      writeFileSync(
        join(dir, 'V1__latin.sql'),
        Buffer.concat([good, Buffer.from(bad), Buffer.from('\nSELECT 1 FROM dual;\n')]),
      );
      expect(refusal(dir).message, JSON.stringify(bad)).toBe(
        `${join(dir, 'V1__latin.sql')}: byte ${good.length} (line 2) is not UTF-8`,
      );
    }
  });
});

describe('what a file or a name holds that dcn would read wrong', () => {
  const refusalOf = (dir: string): DcnError => {
    try {
      loadMigrations(dir);
    } catch (err) {
      return err as DcnError;
    }
    throw new Error('expected an error');
  };

  it('names a UTF-16 file (with or without its byte-order mark) as UTF-16, with the iconv that converts it', () => {
    const dir = dirWith({});
    const text = 'SELECT 1 FROM dual;\n';
    for (const bytes of [
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
      Buffer.from(text, 'utf16le'),
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]),
    ]) {
      writeFileSync(join(dir, 'V1__wide.sql'), bytes);
      const e = refusalOf(dir);
      expect(e.message).toBe(`${join(dir, 'V1__wide.sql')} is UTF-16, not UTF-8`);
      expect(e.hint).toMatch(/iconv -f UTF-16 -t UTF-8/);
    }
  });

  it('refuses a version part of more than 15 digits, where two versions could compare as one', () => {
    const e = loadError({
      'V100000000000000000000001__a.sql': 'SELECT 1 FROM dual;\n',
      'V100000000000000000000002__b.sql': 'SELECT 1 FROM dual;\n',
    });
    expect(e.code).toBe('script_invalid');
    expect(e.message).toMatch(/a part of version 10000000000000000000000\d has more than 15 digits$/);
    expect(e.message).not.toMatch(/e\+/);
    expect(
      loadMigrations(
        dirWith({
          'V000000000000000000000001__a.sql': 'SELECT 1 FROM dual;\n',
          'V202612031530__b.sql': 'SELECT 1 FROM dual;\n',
        }),
      ).map((m) => m.version),
    ).toEqual(['1', '202612031530']);
  });
});

describe('includes: @file, @@file and START file', () => {
  const set = dirWith;
  const statements = (dir: string) =>
    loadMigrations(dir)[0]!.up.items.flatMap((i) => (i.kind === 'statement' ? [`${i.file}:${i.line} ${i.sql}`] : []));

  it('expands them in place, @ from the migrations directory and @@ from the including script, keeping file:line', () => {
    const dir = set({
      'V1__main.sql': 'CREATE TABLE a (x NUMBER);\n@inc/tables\nSTART inc/more.sql\nCREATE TABLE z (x NUMBER);\n',
      'inc/tables.sql': '-- tables\nCREATE TABLE b (x NUMBER);\n@@sub/c.sql\n',
      'inc/sub/c.sql': 'CREATE TABLE c (x NUMBER);\n',
      'inc/more.sql': 'DEFINE t = d\nCREATE TABLE &t (x NUMBER);\n',
    });
    expect(statements(dir)).toEqual([
      'V1__main.sql:1 CREATE TABLE a (x NUMBER)',
      'inc/tables.sql:2 CREATE TABLE b (x NUMBER)',
      'inc/sub/c.sql:1 CREATE TABLE c (x NUMBER)',
      'inc/more.sql:2 CREATE TABLE &t (x NUMBER)',
      'V1__main.sql:4 CREATE TABLE z (x NUMBER)',
    ]);
    // a DEFINE in an included script holds for what follows, as in SQL*Plus
    const plan = buildPlan({ migrations: loadMigrations(dir), historyTable: 'DCN_SCHEMA_HISTORY' });
    expect(plan.migrations[0]!.statements.map((st) => st.sql)).toContain('CREATE TABLE d (x NUMBER)');
  });

  it('checksums what a migration includes: a change there is a change of the migration', () => {
    const dir = set({
      'V1__main.sql': '@inc/b.sql\n',
      'inc/b.sql': 'CREATE TABLE b (x NUMBER);\n',
      'V2__plain.sql': 'CREATE TABLE p (x NUMBER);\n',
    });
    const [before, plain] = loadMigrations(dir).map((m) => m.up.checksum);
    expect(plain).toBe(checksumOf('CREATE TABLE p (x NUMBER);\n')); // no includes: as before
    writeFileSync(join(dir, 'inc/b.sql'), 'CREATE TABLE b (x NUMBER, y NUMBER);\n');
    expect(loadMigrations(dir)[0]!.up.checksum).not.toBe(before);
  });

  it('refuses a missing file, a cycle and parameters, with file:line (exit 2)', () => {
    const refusal = (files: Record<string, string>) => {
      try {
        loadMigrations(set(files));
      } catch (e) {
        return e as DcnError;
      }
      throw new Error('expected a refusal');
    };
    const missing = refusal({ 'V1__main.sql': 'CREATE TABLE a (x NUMBER);\n@@nope\n' });
    expect([missing.code, missing.message.replace(/\(\/.*\)/, '(…)')]).toEqual([
      'script_invalid',
      'V1__main.sql:2: @@nope.sql: no such file (…)',
    ]);
    const cycle = refusal({ 'V1__main.sql': '@a.sql\n', 'a.sql': '@@b.sql\n', 'b.sql': '@a.sql\n' });
    expect(cycle.message).toBe('b.sql:1: @a.sql includes itself: V1__main.sql → a.sql → b.sql → a.sql');
    expect(refusal({ 'V1__main.sql': '@a.sql ORDERS\n', 'a.sql': 'SELECT 1 FROM dual;\n' }).message).toMatch(
      /^V1__main\.sql:1: '@a\.sql ORDERS': parameters to an included script are not supported/,
    );
  });
});

describe('what starts like a migration and is not one is refused, never skipped', () => {
  it.each([
    'V_2__x.sql',
    'V-1__x.sql',
    'V.2__x.sql',
    'Vx__a.sql',
    'V 2__x.sql',
    'V2__x',
    'v2__x.sql',
    'V2__x.txt',
    'U_1__x.sql',
    'R-2__x.sql',
  ])('%s', (name) => {
    const error = loadError({ 'V1__ok.sql': 'SELECT 1 FROM dual;\n', [name]: 'SELECT 2 FROM dual;\n' });
    expect(error.code).toBe('script_invalid');
    expect(error.message).toMatch(
      new RegExp(`${name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}: not a migration file name$`),
    );
    expect(error.hint).toMatch(/V<version>__<description>\.sql/);
  });

  it('shows a refused name with its control characters escaped, never as they are', () => {
    const name = 'V2__x\u001b[2J\nHOST rm.sql';
    const error = loadError({ 'V1__ok.sql': 'SELECT 1 FROM dual;\n', [name]: 'SELECT 2 FROM dual;\n' });
    expect(error.message).toMatch(/V2__x\\u001b\[2J\\u000aHOST rm\.sql: not a migration file name$/);
    // eslint-disable-next-line no-control-regex -- control characters are what this looks for
    expect(error.message).not.toMatch(/[\u0000-\u001f]/);
  });

  it('still reads what does not start like one: README.md, helpers, includes in a directory', () => {
    const dir = dirWith({
      'V1__ok.sql': '@lib/views.sql\n',
      'README.md': 'x',
      'helpers.sql': 'SELECT 1 FROM dual;\n',
      'lib/views.sql': 'SELECT 1 FROM dual;\n',
      'Views.txt': 'notes',
    });
    expect(loadMigrations(dir).map((m) => m.version)).toEqual(['1']);
  });
});

describe('settings and files that cannot work together are refused', () => {
  it('refuses a migration with no statement, naming it', () => {
    for (const text of ['', '\n\n', '-- only a comment\n/* and another */\n', 'SET DEFINE OFF\nPROMPT nothing\n']) {
      const error = loadError({ 'V1__ok.sql': 'SELECT 1 FROM dual;\n', 'V2__empty.sql': text });
      expect(error.message, JSON.stringify(text)).toMatch(/V2__empty\.sql has no statement to run$/);
      expect(error.hint).toMatch(/remove the file, or write the statements it should run/);
    }
    expect(loadError({ 'R__empty.sql': '-- nothing\n' }).message).toMatch(/R__empty\.sql has no statement to run$/);
    // a version kept for the databases that applied an earlier text says so, as V4 and V5 do
    const kept = dirWith({ 'V1__kept.sql': `-- replaced by R__x\n-- dcn: accepts=${'a'.repeat(64)}\n` });
    expect(loadMigrations(kept)[0]!.up.accepts).toEqual(['a'.repeat(64)]);
  });

  it('refuses an include outside the migrations directory, and reads one through a link inside it', () => {
    const outside = dirWith({ 'shared.sql': 'SELECT 1 FROM dual;\n' });
    for (const include of [`@${join(outside, 'shared.sql')}`, '@../shared.sql', '@@../../shared.sql']) {
      const error = loadError({ 'V1__main.sql': `SELECT 0 FROM dual;\n${include}\n` });
      expect(error.message, include).toMatch(/^V1__main\.sql:2: @.*shared\.sql is outside the migrations directory/);
      expect(error.hint).toMatch(/copy it into the migrations directory, or link it from there/);
    }
    const dir = dirWith({ 'V1__main.sql': '@shared/shared.sql\n' });
    symlinkSync(outside, join(dir, 'shared'));
    expect(loadMigrations(dir)[0]!.up.items).toMatchObject([
      { kind: 'statement', sql: 'SELECT 1 FROM dual', file: 'shared/shared.sql' },
    ]);
  });

  it("gives a clear error, not a stack overflow, for includes nested past SQL*Plus's 20 levels", () => {
    const files: Record<string, string> = { 'V1__deep.sql': '@n0.sql\n' };
    for (let i = 0; i < 5000; i++) files[`n${i}.sql`] = `@@n${i + 1}.sql\n`;
    files['n5000.sql'] = 'SELECT 1 FROM dual;\n';
    const error = loadError(files);
    expect(error.code).toBe('script_invalid');
    expect(error.message).toMatch(
      /^n19\.sql:1: @@n20\.sql nests includes 21 deep: SQL\*Plus runs at most 20 nested scripts$/,
    );
    const ok: Record<string, string> = { 'V1__deep.sql': '@n0.sql\n' };
    for (let i = 0; i < 19; i++) ok[`n${i}.sql`] = `@@n${i + 1}.sql\n`;
    ok['n19.sql'] = 'SELECT 1 FROM dual;\n';
    expect(loadMigrations(dirWith(ok))[0]!.up.items.filter((i) => i.kind === 'statement')).toHaveLength(1);
  });
});
