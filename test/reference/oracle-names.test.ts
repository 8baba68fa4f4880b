import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInMigrationsDir, sqlPath } from '../../src/paths.js';
import { checkOracleNames } from './check-names.js';
import { PACKAGES, TYPES } from './oracle-names.js';

function sqlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: false } as { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => join(dir, f));
}

describe('every Oracle name in the scripts is in the reference table', () => {
  const files = [...sqlFiles(builtInMigrationsDir()), ...sqlFiles(sqlPath())];
  it('finds the scripts', () => {
    expect(files.length).toBeGreaterThanOrEqual(13);
  });
  for (const file of files) {
    it(file.replace(/.*\/(migrations|sql)\//, '$1/'), () => {
      expect(checkOracleNames(readFileSync(file, 'utf8'), file)).toEqual([]);
    });
  }
});

describe('the check itself', () => {
  it('reports misspellings of each kind', () => {
    const broken = [
      'CREATE PROCEDURE cb (ntfnds IN SYS.CHNF$_DESC) IS',
      '  t SYS.CHNF$_TDESCR;',
      '  r UTL_HTTP.RESP;',
      'BEGIN',
      '  IF ntfnds.event_type = DBMS_CHANGE_NOTIFICATION.EVENT_OBJCHNAGE THEN NULL; END IF;',
      '  x := ntfnds.table_desc_aray(1).opflags;',
      '  y := ntfnds.table_desc_array(1).op_flags;',
      '  z := ntfnds.table_desc_array(1).row_desc_array(2).rowid;',
      '  s := r.status;',
      '  DBMS_NETWORK_ACL_ADMIN.APPEND_HOST_ACE(hosts => 1, lower_port => 1, upper_port => 1,',
      "    ace => xs$ace_type(privilege_list => xs$name_list('conect'), principal => 'OE', principal_type => xs_acl.ptype_dbx));",
      '  SELECT value INTO v FROM v$parameters WHERE 1 = 1;',
      "  w := SYS_CONTEXT('USERENV', 'SESSIONID');",
      'END;',
    ].join('\n');
    const problems = checkOracleNames(broken, 'broken.sql');
    expect(problems).toEqual([
      'broken.sql:5: DBMS_CHANGE_NOTIFICATION.EVENT_OBJCHNAGE is not in the reference table',
      'broken.sql:11: XS_ACL.PTYPE_DBX is not in the reference table',
      'broken.sql:2: type SYS.CHNF$_TDESCR is not in the reference table',
      'broken.sql:10: DBMS_NETWORK_ACL_ADMIN.APPEND_HOST_ACE has no parameter hosts',
      'broken.sql:11: XS$ACE_TYPE has no attribute principal',
      'broken.sql:6: ntfnds.table_desc_aray: SYS.CHNF$_DESC has no attribute table_desc_aray',
      'broken.sql:9: r.status: UTL_HTTP.RESP has no attribute status',
      'broken.sql:7: table_desc_array(…).op_flags: SYS.CHNF$_TDESC has no attribute op_flags',
      'broken.sql:8: row_desc_array(…).rowid: SYS.CHNF$_RDESC has no attribute rowid',
      "broken.sql:11: ACE privilege 'conect' is not in the reference table",
      'broken.sql:12: view v$parameters is not in the reference table',
      'broken.sql:13: USERENV parameter SESSIONID is not in the reference table',
    ]);
  });

  it('cites a source for every entry', () => {
    for (const p of Object.values(PACKAGES)) expect(p.source).toMatch(/\w/);
    for (const t of Object.values(TYPES)) expect(t.source).toMatch(/\w/);
  });

  it('agrees with the constant values node-oracledb uses (lib/constants.js)', async () => {
    const oracledb = (await import('oracledb')).default as unknown as Record<string, number>;
    const cq = PACKAGES.DBMS_CHANGE_NOTIFICATION!.members;
    // node-oracledb defines no constant for UNKNOWNOP (64)
    expect([cq.ALL_OPERATIONS, cq.ALL_ROWS, cq.INSERTOP, cq.UPDATEOP, cq.DELETEOP, cq.ALTEROP, cq.DROPOP]).toEqual([
      oracledb.CQN_OPCODE_ALL_OPS,
      oracledb.CQN_OPCODE_ALL_ROWS,
      oracledb.CQN_OPCODE_INSERT,
      oracledb.CQN_OPCODE_UPDATE,
      oracledb.CQN_OPCODE_DELETE,
      oracledb.CQN_OPCODE_ALTER,
      oracledb.CQN_OPCODE_DROP,
    ]);
    expect([cq.QOS_RELIABLE, cq.QOS_DEREG_NFY, cq.QOS_ROWIDS, cq.QOS_QUERY, cq.QOS_BEST_EFFORT]).toEqual([
      oracledb.SUBSCR_QOS_RELIABLE,
      oracledb.SUBSCR_QOS_DEREG_NFY,
      oracledb.SUBSCR_QOS_ROWIDS,
      oracledb.SUBSCR_QOS_QUERY,
      oracledb.SUBSCR_QOS_BEST_EFFORT,
    ]);
    expect([
      cq.EVENT_STARTUP,
      cq.EVENT_SHUTDOWN,
      cq.EVENT_SHUTDOWN_ANY,
      cq.EVENT_DEREG,
      cq.EVENT_OBJCHANGE,
      cq.EVENT_QUERYCHANGE,
    ]).toEqual([
      oracledb.SUBSCR_EVENT_TYPE_STARTUP,
      oracledb.SUBSCR_EVENT_TYPE_SHUTDOWN,
      oracledb.SUBSCR_EVENT_TYPE_SHUTDOWN_ANY,
      oracledb.SUBSCR_EVENT_TYPE_DEREG,
      oracledb.SUBSCR_EVENT_TYPE_OBJ_CHANGE,
      oracledb.SUBSCR_EVENT_TYPE_QUERY_CHANGE,
    ]);
  });
});
