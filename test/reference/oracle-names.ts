/**
 * Every Oracle name dcn's SQL relies on, with where Oracle documents it. The test
 * (oracle-names.test.ts) checks each such name in migrations/ and sql/ against this table, so a
 * misspelled constant, attribute or parameter fails the build instead of a customer's database.
 * Constant values are those of the 11.2 package spec (dbmschnf.sql) and the documentation, and
 * agree with node-oracledb's CQN_OPCODE_*, SUBSCR_QOS_* and SUBSCR_EVENT_TYPE_* constants.
 */

export interface PackageReference {
  readonly source: string;
  /** Constants with their values, subprograms (value undefined) and record fields. */
  readonly members: Readonly<Record<string, number | string | undefined>>;
  /** Named parameters of subprograms, where dcn uses named notation. */
  readonly parameters?: Readonly<Record<string, readonly string[]>>;
}

const CQ_DOCS =
  'Oracle Database PL/SQL Packages and Types Reference: DBMS_CQ_NOTIFICATION (19c, https://docs.oracle.com/en/database/oracle/oracle-database/19/arpls/DBMS_CQ_NOTIFICATION.html); 10.2: DBMS_CHANGE_NOTIFICATION (https://docs.oracle.com/cd/B19306_01/appdev.102/b14258/d_chngnt.htm)';

const CQ_MEMBERS = {
  // QoS flags
  QOS_RELIABLE: 1,
  QOS_DEREG_NFY: 2,
  QOS_ROWIDS: 4,
  QOS_QUERY: 8,
  QOS_BEST_EFFORT: 16,
  // events (CHNF$_DESC.event_type)
  EVENT_NONE: 0,
  EVENT_STARTUP: 1,
  EVENT_SHUTDOWN: 2,
  EVENT_SHUTDOWN_ANY: 3,
  EVENT_DROP_DB: 4,
  EVENT_DEREG: 5,
  EVENT_OBJCHANGE: 6,
  EVENT_QUERYCHANGE: 7,
  // operations: bit flags of opflags and of operations_filter
  ALL_OPERATIONS: 0,
  ALL_ROWS: 1,
  INSERTOP: 2,
  UPDATEOP: 4,
  DELETEOP: 8,
  ALTEROP: 16,
  DROPOP: 32,
  UNKNOWNOP: 64,
  // notification grouping
  NTFN_GROUPING_CLASS_TIME: 1,
  NTFN_GROUPING_TYPE_SUMMARY: 1,
  NTFN_GROUPING_TYPE_LAST: 2,
  NTFN_GROUPING_FOREVER: -1,
  // subprograms
  NEW_REG_START: undefined,
  ENABLE_REG: undefined,
  REG_END: undefined,
  DEREGISTER: undefined,
  CQ_NOTIFICATION_QUERYID: undefined,
  SET_ROWID_THRESHOLD: undefined,
} as const;

export const PACKAGES: Readonly<Record<string, PackageReference>> = {
  // One package, two public synonyms (11.2 dbmschnf.sql): both names resolve to it.
  DBMS_CHANGE_NOTIFICATION: { source: CQ_DOCS, members: CQ_MEMBERS },
  DBMS_CQ_NOTIFICATION: { source: CQ_DOCS, members: CQ_MEMBERS },
  DBMS_NETWORK_ACL_ADMIN: {
    source:
      'PL/SQL Packages and Types Reference: DBMS_NETWORK_ACL_ADMIN, APPEND_HOST_ACE and REMOVE_HOST_ACE (12c and later; https://docs.oracle.com/en/database/oracle/oracle-database/19/arpls/DBMS_NETWORK_ACL_ADMIN.html); Security Guide, Configuring Access Control for External Network Services (https://docs.oracle.com/en/database/oracle/oracle-database/19/dbseg/configuring-access-control-external-network-services.html)',
    members: { APPEND_HOST_ACE: undefined, REMOVE_HOST_ACE: undefined },
    parameters: {
      APPEND_HOST_ACE: ['host', 'lower_port', 'upper_port', 'ace'],
      REMOVE_HOST_ACE: ['host', 'lower_port', 'upper_port', 'ace', 'remove_empty_acl'],
    },
  },
  XS_ACL: {
    source:
      "Real Application Security Administrator's and Developer's Guide: XS_ACL package, principal types (PTYPE_DB = 2)",
    members: { PTYPE_XS: 1, PTYPE_DB: 2, PTYPE_DN: 3, PTYPE_EXTERNAL: 4 },
  },
  UTL_HTTP: {
    source:
      'PL/SQL Packages and Types Reference: UTL_HTTP (https://docs.oracle.com/en/database/oracle/oracle-database/19/arpls/UTL_HTTP.html)',
    members: {
      REQ: undefined,
      RESP: undefined,
      HTTP_VERSION_1_0: 'HTTP/1.0',
      HTTP_VERSION_1_1: 'HTTP/1.1',
      BEGIN_REQUEST: undefined,
      SET_HEADER: undefined,
      GET_RESPONSE: undefined,
      END_RESPONSE: undefined,
      END_REQUEST: undefined,
      SET_TRANSFER_TIMEOUT: undefined,
      GET_DETAILED_SQLCODE: undefined,
      GET_DETAILED_SQLERRM: undefined,
      WRITE_TEXT: undefined,
      SET_PERSISTENT_CONN_SUPPORT: undefined,
      CLOSE_PERSISTENT_CONNS: undefined,
    },
  },
  UTL_URL: {
    source:
      'PL/SQL Packages and Types Reference: UTL_URL.ESCAPE (escape_reserved_chars => TRUE escapes & ? = and the other reserved characters)',
    members: { ESCAPE: undefined, UNESCAPE: undefined },
  },
  DBMS_ASSERT: {
    source:
      'PL/SQL Packages and Types Reference: DBMS_ASSERT.SQL_OBJECT_NAME (raises ORA-44002 when the name is not an existing object); ENQUOTE_NAME(str, capitalize => FALSE) encloses a name in double quotes as it is, and raises when it is not a valid quoted name (https://docs.oracle.com/database/122/ARPLS/DBMS_ASSERT.htm)',
    members: { SQL_OBJECT_NAME: undefined, ENQUOTE_NAME: undefined },
  },
  DBMS_UTILITY: {
    source:
      'PL/SQL Packages and Types Reference: DBMS_UTILITY.FORMAT_ERROR_BACKTRACE; COMPILE_SCHEMA(schema VARCHAR2, compile_all BOOLEAN DEFAULT TRUE, reuse_settings BOOLEAN DEFAULT FALSE) (https://docs.oracle.com/en/database/oracle/oracle-database/19/arpls/DBMS_UTILITY.html)',
    members: { FORMAT_ERROR_BACKTRACE: undefined, COMPILE_SCHEMA: undefined },
    parameters: { COMPILE_SCHEMA: ['schema', 'compile_all', 'reuse_settings'] },
  },
};

const CHNF_SOURCE =
  'DBMS_CQ_NOTIFICATION "Data Structures": CQ_NOTIFICATION$_DESCRIPTOR (= SYS.CHNF$_DESC), CQ_NOTIFICATION$_TABLE (= CHNF$_TDESC), CQ_NOTIFICATION$_ROW (= CHNF$_RDESC), CQ_NOTIFICATION$_REG_INFO (= CHNF$_REG_INFO); 11.2 catchnf.sql';

/** Object types and their attributes. */
export const TYPES: Readonly<Record<string, { source: string; attributes: readonly string[] }>> = {
  'SYS.CHNF$_DESC': {
    source: CHNF_SOURCE,
    attributes: [
      'registration_id',
      'transaction_id',
      'dbname',
      'event_type',
      'numtables',
      'table_desc_array',
      'query_desc_array',
    ],
  },
  'SYS.CHNF$_TDESC': { source: CHNF_SOURCE, attributes: ['opflags', 'table_name', 'numrows', 'row_desc_array'] },
  'SYS.CHNF$_RDESC': { source: CHNF_SOURCE, attributes: ['opflags', 'row_id'] },
  'SYS.CHNF$_REG_INFO': {
    source: CHNF_SOURCE,
    attributes: [
      'callback',
      'qosflags',
      'timeout',
      'operations_filter',
      'transaction_lag',
      'ntfn_grouping_class',
      'ntfn_grouping_value',
      'ntfn_grouping_type',
      'ntfn_grouping_start_time',
      'ntfn_grouping_repeat_count',
    ],
  },
  XS$ACE_TYPE: {
    source:
      'Real Application Security: XS$ACE_TYPE constructor (privilege_list, granted, inverted, principal_name, principal_type, start_date, end_date)',
    attributes: ['privilege_list', 'granted', 'inverted', 'principal_name', 'principal_type', 'start_date', 'end_date'],
  },
  XS$NAME_LIST: { source: 'Real Application Security: XS$NAME_LIST, a VARRAY of names', attributes: [] },
  'UTL_HTTP.RESP': {
    source: 'UTL_HTTP "RESP Type": status_code, reason_phrase, http_version',
    attributes: ['status_code', 'reason_phrase', 'http_version'],
  },
};

/** Network ACE privileges (APPEND_HOST_ACE privilege_list). */
export const ACE_PRIVILEGES: Readonly<Record<string, string>> = {
  connect:
    'Security Guide: "connect" lets UTL_TCP, UTL_SMTP, UTL_MAIL and UTL_HTTP connect to the host (and port range)',
  resolve: 'Security Guide: "resolve" lets UTL_INADDR resolve the host; it takes no port range',
};

/** Dictionary views and columns. */
export const VIEWS: Readonly<Record<string, { source: string; columns: readonly string[] }>> = {
  V$PARAMETER: { source: 'Database Reference: V$PARAMETER', columns: ['name', 'value'] },
  USER_TABLES: { source: 'Database Reference: ALL_TABLES / USER_TABLES', columns: ['table_name'] },
  ALL_ERRORS: {
    source: 'Database Reference: ALL_ERRORS',
    columns: ['owner', 'name', 'type', 'sequence', 'line', 'position', 'text', 'attribute'],
  },
  USER_ERRORS: {
    source: 'Database Reference: USER_ERRORS',
    columns: ['name', 'type', 'sequence', 'line', 'position', 'text', 'attribute'],
  },
  USER_OBJECTS: { source: 'Database Reference: USER_OBJECTS', columns: ['object_name', 'object_type', 'status'] },
  SESSION_PRIVS: {
    source: 'Database Reference: SESSION_PRIVS (the privileges currently available to the user)',
    columns: ['privilege'],
  },
  USER_TAB_PRIVS: {
    source: 'Database Reference: USER_TAB_PRIVS',
    columns: ['grantee', 'owner', 'table_name', 'grantor', 'privilege'],
  },
  ROLE_TAB_PRIVS: {
    source: 'Database Reference: ROLE_TAB_PRIVS',
    columns: ['role', 'owner', 'table_name', 'column_name', 'privilege'],
  },
  DBA_SYS_PRIVS: {
    source: 'Database Reference: DBA_SYS_PRIVS (system privileges granted to users and roles)',
    columns: ['grantee', 'privilege', 'admin_option'],
  },
  DBA_TAB_PRIVS: {
    source: 'Database Reference: DBA_TAB_PRIVS (object grants)',
    columns: ['grantee', 'owner', 'table_name', 'grantor', 'privilege'],
  },
  DBA_HOST_ACES: {
    source:
      'Database Reference: DBA_HOST_ACES (https://docs.oracle.com/en/database/oracle/oracle-database/21/refrn/DBA_HOST_ACES.html)',
    columns: [
      'host',
      'lower_port',
      'upper_port',
      'ace_order',
      'start_date',
      'end_date',
      'grant_type',
      'inverted_principal',
      'principal',
      'principal_type',
      'privilege',
    ],
  },
  USER_HOST_ACES: {
    source: 'Database Reference: USER_HOST_ACES (12c and later; DBA_NETWORK_ACL_PRIVILEGES is deprecated)',
    columns: ['host', 'lower_port', 'upper_port', 'privilege', 'status'],
  },
  ALL_TABLES: { source: 'Database Reference: ALL_TABLES', columns: ['owner', 'table_name'] },
  DBA_TABLES: {
    source: 'Database Reference: DBA_TABLES (all relational tables in the database; columns as ALL_TABLES)',
    columns: ['owner', 'table_name'],
  },
  ALL_OBJECTS: { source: 'Database Reference: ALL_OBJECTS', columns: ['owner', 'object_name', 'object_type'] },
  ALL_CONSTRAINTS: {
    source: "Database Reference: ALL_CONSTRAINTS (constraint_type 'P': primary key)",
    columns: ['owner', 'constraint_name', 'constraint_type', 'table_name'],
  },
  ALL_CONS_COLUMNS: {
    source: "Database Reference: ALL_CONS_COLUMNS (position: the column's place in the key)",
    columns: ['owner', 'constraint_name', 'table_name', 'column_name', 'position'],
  },
  ALL_TAB_COLUMNS: {
    source: "Database Reference: ALL_TAB_COLUMNS (nullable: 'N' when a NOT NULL constraint holds)",
    columns: ['owner', 'table_name', 'column_name', 'nullable'],
  },
  ALL_TAB_PRIVS: {
    source:
      'Database Reference: ALL_TAB_PRIVS (grants to the user, to PUBLIC and to enabled roles; table_schema is the owner)',
    columns: ['grantor', 'grantee', 'table_schema', 'table_name', 'privilege', 'grantable', 'type'],
  },
  USER_SYS_PRIVS: {
    source: 'Database Reference: USER_SYS_PRIVS (system privileges granted to the current user or PUBLIC)',
    columns: ['username', 'privilege', 'admin_option'],
  },
  USER_TAB_COLUMNS: {
    source: 'Database Reference: USER_TAB_COLUMNS (ALL_TAB_COLUMNS without OWNER)',
    columns: ['table_name', 'column_name'],
  },
  USER_CHANGE_NOTIFICATION_REGS: {
    source:
      'Database Reference: USER_CHANGE_NOTIFICATION_REGS (https://docs.oracle.com/en/database/oracle/oracle-database/21/refrn/DBA_CHANGE_NOTIFICATION_REGS.html)',
    columns: ['regid', 'regflags', 'callback', 'operations_filter', 'changelag', 'timeout', 'table_name'],
  },
  DBA_CHANGE_NOTIFICATION_REGS: {
    source: 'Database Reference: DBA_CHANGE_NOTIFICATION_REGS',
    columns: ['username', 'regid', 'regflags', 'callback', 'operations_filter', 'changelag', 'timeout', 'table_name'],
  },
};

/**
 * Session context parameters: SQL Language Reference, SYS_CONTEXT, "Predefined Parameters of
 * Namespace USERENV" (CON_ID since 12.1: 0 in a non-CDB, 1 in the root, the PDB's id in a PDB).
 */
export const USERENV: readonly string[] = ['SID', 'CURRENT_SCHEMA', 'SESSION_USER', 'CON_ID'];
