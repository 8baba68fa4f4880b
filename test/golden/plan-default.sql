-- dcn migrate plan: 10 migration(s) from the built-in migrations
-- Written by dcn 0.0.0-golden. Run it as the schema owner: sqlplus <user>@<connect> @plan.sql
-- It assumes no migration has been applied yet. Values are already substituted.
SET DEFINE OFF
SET SQLBLANKLINES ON
WHENEVER SQLERROR EXIT FAILURE
WHENEVER OSERROR EXIT FAILURE

-- Run as OE: the objects are created in the connected user's schema.
BEGIN
  IF USER <> 'OE' THEN
    RAISE_APPLICATION_ERROR(-20000, 'dcn: run this script as OE (the schema setting), not as ' || USER);
  END IF;
END;
/

-- Remember who runs this script, to CONNECT back after the admin migrations.
SET DEFINE ON
DEFINE dcn_app_user = "&_USER"
DEFINE dcn_connect = "&_CONNECT_IDENTIFIER"
SET DEFINE OFF

-- dcn history table DCN_SCHEMA_HISTORY, created if missing
DECLARE
  n NUMBER;
BEGIN
  SELECT COUNT(*) INTO n FROM user_tables WHERE table_name = 'DCN_SCHEMA_HISTORY';
  IF n = 0 THEN
    EXECUTE IMMEDIATE q'~CREATE TABLE DCN_SCHEMA_HISTORY (
  installed_rank   NUMBER(10)     NOT NULL,
  version          VARCHAR2(50)   NOT NULL,
  description      VARCHAR2(200)  NOT NULL,
  script           VARCHAR2(1000) NOT NULL,
  checksum         VARCHAR2(64)   NOT NULL,
  profile          VARCHAR2(10)   NOT NULL,
  operation        VARCHAR2(10)   NOT NULL,
  statements_done  NUMBER(10)     NOT NULL,
  statements_total NUMBER(10)     NOT NULL,
  done_hash        VARCHAR2(64),
  success          NUMBER(1)      NOT NULL,
  error_text       VARCHAR2(4000),
  installed_by     VARCHAR2(128)  NOT NULL,
  installed_on     TIMESTAMP      DEFAULT SYSTIMESTAMP NOT NULL,
  execution_ms     NUMBER(12),
  CONSTRAINT DCN_SCHEMA_HISTORY_PK PRIMARY KEY (installed_rank),
  CONSTRAINT DCN_SCHEMA_HISTORY_UK UNIQUE (version)
)~';
  END IF;
END;
/

-- V1: grants and network acl (V1__grants_and_network_acl.sql, admin profile)
SET DEFINE ON
CONNECT &&dcn_admin_user@&dcn_connect
DEFINE dcn_unless_connected = "EXIT FAILURE"
COLUMN dcn_connected NEW_VALUE dcn_unless_connected NOPRINT
SELECT 'PROMPT dcn: connected as ' || USER AS dcn_connected FROM dual;
&dcn_unless_connected
SET DEFINE OFF
-- V1__grants_and_network_acl.sql:13
CREATE TABLE OE.dcn_held_before (
  what VARCHAR2(1100) NOT NULL,
  CONSTRAINT dcn_held_before_pk PRIMARY KEY (what)
);
-- V1__grants_and_network_acl.sql:18
INSERT INTO OE.dcn_held_before (what)
SELECT 'CHANGE NOTIFICATION' FROM dba_sys_privs
 WHERE grantee = 'OE' AND privilege = 'CHANGE NOTIFICATION';
-- V1__grants_and_network_acl.sql:22
INSERT INTO OE.dcn_held_before (what)
SELECT DISTINCT 'EXECUTE ON DBMS_CHANGE_NOTIFICATION' FROM dba_tab_privs
 WHERE grantee = 'OE' AND owner = 'SYS'
   AND table_name IN ('DBMS_CHANGE_NOTIFICATION', 'DBMS_CQ_NOTIFICATION') AND privilege = 'EXECUTE';
-- V1__grants_and_network_acl.sql:29
GRANT CHANGE NOTIFICATION TO OE;
-- V1__grants_and_network_acl.sql:30
GRANT EXECUTE ON DBMS_CHANGE_NOTIFICATION TO OE;
-- V1__grants_and_network_acl.sql:39
DECLARE
  l_value NUMBER;
BEGIN
  SELECT TO_NUMBER(value) INTO l_value FROM v$parameter WHERE name = 'job_queue_processes';
  IF l_value = 0 THEN
    BEGIN
      EXECUTE IMMEDIATE 'ALTER SYSTEM SET job_queue_processes = 10';
    EXCEPTION
      WHEN OTHERS THEN
        RAISE_APPLICATION_ERROR(-20000, 'JOB_QUEUE_PROCESSES is 0 and could not be raised here (' || SQLERRM || '): '
          || 'no PL/SQL notification runs until it is above 0. In a multitenant database a DBA must set it in CDB$ROOT '
          || '(connected to CDB$ROOT: ALTER SYSTEM SET job_queue_processes = 10), then run dcn migrate again', TRUE);
    END;
  END IF;
END;
/
SET DEFINE ON
CONNECT &dcn_app_user@&dcn_connect
DEFINE dcn_unless_connected = "EXIT FAILURE"
COLUMN dcn_connected NEW_VALUE dcn_unless_connected NOPRINT
SELECT 'PROMPT dcn: connected as ' || USER AS dcn_connected FROM dual;
&dcn_unless_connected
SET DEFINE OFF
INSERT INTO DCN_SCHEMA_HISTORY (installed_rank, version, description, script, checksum, profile,
                            operation, statements_done, statements_total, done_hash, success, installed_by)
SELECT NVL(MAX(installed_rank), 0) + 1, '1', 'grants and network acl', 'V1__grants_and_network_acl.sql', 'a92744cc1ea11cf1ddcac522f15702708860a955ed84372eb1aa262448eb9280', 'admin',
       'migrate', 6, 6, 'a5ae5598c84f0013af7293f48769827516e540c6387f8156c7c7b134fdc091cf', 1, USER
  FROM DCN_SCHEMA_HISTORY;
COMMIT;

-- V2: nfresults (V2__nfresults.sql)
-- V2__nfresults.sql:5
CREATE TABLE nfresults (
  id          NUMBER GENERATED ALWAYS AS IDENTITY,
  operdate    TIMESTAMP WITH TIME ZONE DEFAULT SYSTIMESTAMP NOT NULL,
  tblname     VARCHAR2(261),
  order_id    VARCHAR2(40),
  event       VARCHAR2(20)   NOT NULL,
  operation   VARCHAR2(60),
  status_code NUMBER(3),
  rslt_msg    VARCHAR2(4000),
  error_text  VARCHAR2(4000),
  regid       NUMBER,
  CONSTRAINT nfresults_pk PRIMARY KEY (id)
);
-- V2__nfresults.sql:20
CREATE INDEX nfresults_table_time_ix ON nfresults (tblname, operdate);
-- V2__nfresults.sql:22
COMMENT ON TABLE nfresults IS 'dcn: one row per notification call or callback event';
INSERT INTO DCN_SCHEMA_HISTORY (installed_rank, version, description, script, checksum, profile,
                            operation, statements_done, statements_total, done_hash, success, installed_by)
SELECT NVL(MAX(installed_rank), 0) + 1, '2', 'nfresults', 'V2__nfresults.sql', 'e1532b31cabaed7624f8f419bf91a75e2f37647ad7698802012faf625f38eadf', 'app',
       'migrate', 3, 3, 'c1059a91c3c16fa5b2f3b89c3e0dc73d1160fc5073ff9282012b728fc961b1e9', 1, USER
  FROM DCN_SCHEMA_HISTORY;
COMMIT;

-- V3: rdesc tab (V3__rdesc_tab.sql)
-- V3__rdesc_tab.sql:3
CREATE OR REPLACE TYPE rdesc_tab AS TABLE OF SYS.CHNF$_RDESC;
/
DECLARE
  n NUMBER;
BEGIN
  SELECT COUNT(*) INTO n
    FROM all_errors
   WHERE owner = NVL('', SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA'))
     AND name = 'RDESC_TAB'
     AND type = 'TYPE'
     AND attribute = 'ERROR';
  IF n > 0 THEN
    RAISE_APPLICATION_ERROR(-20001, 'TYPE RDESC_TAB has compilation errors: run SHOW ERRORS TYPE RDESC_TAB');
  END IF;
END;
/
INSERT INTO DCN_SCHEMA_HISTORY (installed_rank, version, description, script, checksum, profile,
                            operation, statements_done, statements_total, done_hash, success, installed_by)
SELECT NVL(MAX(installed_rank), 0) + 1, '3', 'rdesc tab', 'V3__rdesc_tab.sql', '42680d62e49ef156e996f8b7a7b892578c098261fb85dd3b4924a0934a42cd48', 'app',
       'migrate', 1, 1, '1d8c4a0a5a99429a2fb5e56aada6e6d35d7456e7c84980825442c36a8ce6836b', 1, USER
  FROM DCN_SCHEMA_HISTORY;
COMMIT;

-- V4: sendNotification (V4__sendNotification.sql)
INSERT INTO DCN_SCHEMA_HISTORY (installed_rank, version, description, script, checksum, profile,
                            operation, statements_done, statements_total, done_hash, success, installed_by)
SELECT NVL(MAX(installed_rank), 0) + 1, '4', 'sendNotification', 'V4__sendNotification.sql', '08b2ca68396280bfeea36dc0af951c7f870a71d48e9b3a7039453db0c43eccea', 'app',
       'migrate', 0, 0, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 1, USER
  FROM DCN_SCHEMA_HISTORY;
COMMIT;

-- V5: orders nf callback (V5__orders_nf_callback.sql)
INSERT INTO DCN_SCHEMA_HISTORY (installed_rank, version, description, script, checksum, profile,
                            operation, statements_done, statements_total, done_hash, success, installed_by)
SELECT NVL(MAX(installed_rank), 0) + 1, '5', 'orders nf callback', 'V5__orders_nf_callback.sql', '97e0e10484c8a603f599ce040916150f31d94851bf9073cf2614bb17757cf60d', 'app',
       'migrate', 0, 0, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 1, USER
  FROM DCN_SCHEMA_HISTORY;
COMMIT;

-- V7: nfresults replay (V7__nfresults_replay.sql)
-- V7__nfresults_replay.sql:5
ALTER TABLE nfresults ADD (replayed_by NUMBER);
INSERT INTO DCN_SCHEMA_HISTORY (installed_rank, version, description, script, checksum, profile,
                            operation, statements_done, statements_total, done_hash, success, installed_by)
SELECT NVL(MAX(installed_rank), 0) + 1, '7', 'nfresults replay', 'V7__nfresults_replay.sql', '2a3a126986d71c37c9daad0449a851316defe3067965e5296d80372d4dc93672', 'app',
       'migrate', 1, 1, '1a6a2d36819cd0d2231a23e8893a71dbcc69365f12f90fb616381db6d918667b', 1, USER
  FROM DCN_SCHEMA_HISTORY;
COMMIT;

-- V8: routes (V8__routes.sql)
-- V8__routes.sql:9
CREATE TABLE dcn_routes (
  table_owner   VARCHAR2(128) NOT NULL,
  table_name    VARCHAR2(128) NOT NULL,
  key_columns   VARCHAR2(4000),
  key_immutable VARCHAR2(3)   DEFAULT 'yes' NOT NULL,
  CONSTRAINT dcn_routes_pk PRIMARY KEY (table_owner, table_name),
  CONSTRAINT dcn_routes_immutable_ck CHECK (key_immutable IN ('yes', 'no'))
);
-- V8__routes.sql:18
COMMENT ON TABLE dcn_routes IS 'dcn: the key columns of each registered table, read by orders_nf_callback';
-- V8__routes.sql:22
ALTER TABLE nfresults ADD (key_values VARCHAR2(4000));
INSERT INTO DCN_SCHEMA_HISTORY (installed_rank, version, description, script, checksum, profile,
                            operation, statements_done, statements_total, done_hash, success, installed_by)
SELECT NVL(MAX(installed_rank), 0) + 1, '8', 'routes', 'V8__routes.sql', '8301b5ba40fc49d2c263bda8d19c1d66d3d197dffb854c4c7a4419ffca4c85da', 'app',
       'migrate', 3, 3, 'd00fb86304e8e3e55a0f8a5336a9f4010d8bae2c4b77fc4d4ec802b4dd7b6aac', 1, USER
  FROM DCN_SCHEMA_HISTORY;
COMMIT;

-- R__00_network_acl: 00 network acl (R__00_network_acl.sql, admin profile, repeatable)
SET DEFINE ON
CONNECT &&dcn_admin_user@&dcn_connect
DEFINE dcn_unless_connected = "EXIT FAILURE"
COLUMN dcn_connected NEW_VALUE dcn_unless_connected NOPRINT
SELECT 'PROMPT dcn: connected as ' || USER AS dcn_connected FROM dual;
&dcn_unless_connected
SET DEFINE OFF
-- R__00_network_acl.sql:18
DECLARE
  l_v1_list NUMBER;
BEGIN
  EXECUTE IMMEDIATE 'CREATE TABLE OE.dcn_given_aces (
    host VARCHAR2(1000) NOT NULL,
    port NUMBER(5)      NOT NULL,
    CONSTRAINT dcn_given_aces_pk PRIMARY KEY (host, port))';
  SELECT COUNT(*) INTO l_v1_list FROM dba_tables WHERE owner = 'OE' AND table_name = 'DCN_HELD_BEFORE';
  IF l_v1_list = 0 THEN
    EXECUTE IMMEDIATE 'INSERT INTO OE.dcn_given_aces (host, port)
      SELECT DISTINCT host, lower_port FROM dba_host_aces
       WHERE LOWER(host) = LOWER(:host) AND lower_port = :port AND upper_port = :port
         AND principal = ''OE'' AND UPPER(privilege) = ''CONNECT'' AND grant_type = ''GRANT'''
      USING 'localhost', 8080, 8080;
  END IF;
EXCEPTION
  WHEN OTHERS THEN
    IF SQLCODE != -955 THEN RAISE; END IF; -- ORA-00955: the list is there already
END;
/
-- R__00_network_acl.sql:39
DECLARE
  c_host CONSTANT VARCHAR2(1000) := LOWER('localhost');
  c_port CONSTANT PLS_INTEGER    := 8080;
  l_listed NUMBER;

  -- A connect ACE for exactly this host (in any case) and port, granted to the schema?
  FUNCTION ace_there (p_host VARCHAR2, p_port PLS_INTEGER) RETURN BOOLEAN IS
    l_count NUMBER;
  BEGIN
    SELECT COUNT(*) INTO l_count FROM dba_host_aces
     WHERE LOWER(host) = LOWER(p_host) AND lower_port = p_port AND upper_port = p_port
       AND principal = 'OE' AND UPPER(privilege) = 'CONNECT' AND grant_type = 'GRANT';
    RETURN l_count > 0;
  END ace_there;
BEGIN
  -- what dcn appended for a host or port the callback no longer calls (the host as it was given)
  FOR stale IN (SELECT host, port FROM OE.dcn_given_aces WHERE LOWER(host) != c_host OR port != c_port) LOOP
    IF ace_there(stale.host, stale.port) THEN
      DBMS_NETWORK_ACL_ADMIN.REMOVE_HOST_ACE(
        host             => stale.host,
        lower_port       => stale.port,
        upper_port       => stale.port,
        ace              => xs$ace_type(privilege_list => xs$name_list('connect'),
                                        principal_name => 'OE',
                                        principal_type => xs_acl.ptype_db),
        remove_empty_acl => TRUE);
    END IF;
  END LOOP;
  DELETE FROM OE.dcn_given_aces WHERE LOWER(host) != c_host OR port != c_port;

  -- the callback's host and port (the list now holds at most that): appended and listed, unless
  -- dcn did so before, or the schema had the ACE already
  SELECT COUNT(*) INTO l_listed FROM OE.dcn_given_aces;
  IF l_listed = 0 AND NOT ace_there(c_host, c_port) THEN
    DBMS_NETWORK_ACL_ADMIN.APPEND_HOST_ACE(
      host       => c_host,
      lower_port => c_port,
      upper_port => c_port,
      ace        => xs$ace_type(privilege_list => xs$name_list('connect'),
                                principal_name => 'OE',
                                principal_type => xs_acl.ptype_db));
    INSERT INTO OE.dcn_given_aces (host, port) VALUES (c_host, c_port);
  END IF;
END;
/
SET DEFINE ON
CONNECT &dcn_app_user@&dcn_connect
DEFINE dcn_unless_connected = "EXIT FAILURE"
COLUMN dcn_connected NEW_VALUE dcn_unless_connected NOPRINT
SELECT 'PROMPT dcn: connected as ' || USER AS dcn_connected FROM dual;
&dcn_unless_connected
SET DEFINE OFF
INSERT INTO DCN_SCHEMA_HISTORY (installed_rank, version, description, script, checksum, profile,
                            operation, statements_done, statements_total, done_hash, success, installed_by)
SELECT NVL(MAX(installed_rank), 0) + 1, 'R__00_network_acl', '00 network acl', 'R__00_network_acl.sql', '163a347d2535268f6f16cdb732b9b0d45dc44c5f0bb1', 'admin',
       'migrate', 2, 2, '6f16cdb732b9b0d4a0da4335ba78eb119fdd79a1bd16e202eba0a8a74eb4f87c', 1, USER
  FROM DCN_SCHEMA_HISTORY;
COMMIT;

-- R__01_sendNotification: 01 sendNotification (R__01_sendNotification.sql, repeatable)
-- R__01_sendNotification.sql:27
CREATE OR REPLACE PROCEDURE sendNotification (
  url      IN VARCHAR2,
  tblname  IN VARCHAR2,
  order_id IN VARCHAR2 DEFAULT NULL,
  regid    IN NUMBER   DEFAULT NULL,
  note     IN VARCHAR2 DEFAULT NULL,
  key_values IN VARCHAR2 DEFAULT NULL,
  logged_id  OUT NUMBER,
  batch      IN VARCHAR2 DEFAULT NULL
) IS
  c_token   CONSTANT VARCHAR2(128) := 'tok-123';
  c_timeout CONSTANT PLS_INTEGER   := 5;
  c_amp     CONSTANT VARCHAR2(1)   := CHR(38); -- '&', kept out of the script for SQL*Plus
  -- Large enough for any value they are given; cut to the columns' bytes (SUBSTRB) only when
  -- logged: VARCHAR2 counts bytes, and SUBSTR counts characters (ORA-12899 on multibyte text).
  l_url       VARCHAR2(32767);
  l_req       UTL_HTTP.REQ;
  l_resp      UTL_HTTP.RESP;
  l_have_req  BOOLEAN := FALSE;
  l_have_resp BOOLEAN := FALSE;
  l_status    PLS_INTEGER;
  l_message   VARCHAR2(32767);
  l_error     VARCHAR2(32767);
  l_operation CONSTANT VARCHAR2(5) := CASE WHEN batch IS NOT NULL THEN 'batch' WHEN order_id IS NOT NULL THEN 'order' WHEN key_values IS NOT NULL THEN 'key' ELSE 'table' END;

  -- An autonomous transaction: the log row is kept whatever the caller does next.
  PROCEDURE log_result IS
    PRAGMA AUTONOMOUS_TRANSACTION;
  BEGIN
    IF sendNotification.key_values IS NULL AND sendNotification.batch IS NULL THEN
      -- the parameters are qualified: nfresults has columns of the same names
      INSERT INTO nfresults (tblname, order_id, event, operation, status_code, rslt_msg, error_text, regid)
      VALUES (SUBSTRB(sendNotification.tblname, 1, 261), SUBSTRB(sendNotification.order_id, 1, 40), 'notify',
              l_operation, l_status, SUBSTRB(l_message, 1, 4000), SUBSTRB(l_error, 1, 4000), sendNotification.regid)
      RETURNING id INTO sendNotification.logged_id;
    ELSE
      -- a call with key values (V8), or a batch (its body): the column only in dynamic SQL, the
      -- values bound in order
      EXECUTE IMMEDIATE 'INSERT INTO nfresults (tblname, order_id, event, operation, status_code, rslt_msg, error_text, regid, key_values) '
                     || 'VALUES (:tblname, :order_id, ''notify'', :operation, :status_code, :rslt_msg, :error_text, :regid, :key_values) '
                     || 'RETURNING id INTO :logged_id'
        USING SUBSTRB(sendNotification.tblname, 1, 261), SUBSTRB(sendNotification.order_id, 1, 40),
              l_operation, l_status, SUBSTRB(l_message, 1, 4000), SUBSTRB(l_error, 1, 4000), sendNotification.regid,
              SUBSTRB(NVL(sendNotification.batch, sendNotification.key_values), 1, 4000)
        RETURNING INTO sendNotification.logged_id;
    END IF;
    COMMIT;
  END log_result;
BEGIN
  l_url := url
        || CASE WHEN INSTR(url, '?') > 0 THEN c_amp ELSE '?' END
        || CASE WHEN order_id IS NOT NULL THEN 'order_no=' || UTL_URL.ESCAPE(order_id, TRUE) || c_amp END
        || 'table=' || UTL_URL.ESCAPE(tblname, TRUE)
        || CASE WHEN key_values IS NOT NULL AND batch IS NULL THEN c_amp || key_values END;

  -- The transfer timeout bounds waiting for the answer, not the TCP connect: a host that drops
  -- packets holds this job for the operating system's connect timeout (UTL_HTTP,
  -- https://docs.oracle.com/en/database/oracle/oracle-database/19/arpls/UTL_HTTP.html).
  UTL_HTTP.SET_TRANSFER_TIMEOUT(c_timeout);
  l_req := UTL_HTTP.BEGIN_REQUEST(l_url, CASE WHEN batch IS NOT NULL THEN 'POST' ELSE 'GET' END, UTL_HTTP.HTTP_VERSION_1_1);
  l_have_req := TRUE;
  UTL_HTTP.SET_HEADER(l_req, 'User-Agent', 'dcn-sendNotification');
  IF c_token IS NOT NULL THEN
    UTL_HTTP.SET_HEADER(l_req, 'X-Dcn-Token', c_token);
  END IF;
  IF batch IS NOT NULL THEN
    -- the body is escaped text, ASCII only: its length in bytes is its length in characters
    UTL_HTTP.SET_HEADER(l_req, 'Content-Type', 'text/plain; charset=us-ascii');
    UTL_HTTP.SET_HEADER(l_req, 'Content-Length', TO_CHAR(LENGTHB(batch)));
    UTL_HTTP.WRITE_TEXT(l_req, batch);
  END IF;

  l_resp := UTL_HTTP.GET_RESPONSE(l_req);
  l_have_req := FALSE; -- GET_RESPONSE ends the request
  l_have_resp := TRUE;
  l_status := l_resp.status_code;
  l_message := l_resp.status_code || ' ' || l_resp.reason_phrase || CASE WHEN note IS NOT NULL THEN ' (' || note || ')' END;
  UTL_HTTP.END_RESPONSE(l_resp);
  l_have_resp := FALSE;
  log_result;
EXCEPTION
  WHEN OTHERS THEN
    l_error := SQLERRM || CASE WHEN UTL_HTTP.GET_DETAILED_SQLCODE <> SQLCODE THEN ': ' || UTL_HTTP.GET_DETAILED_SQLERRM END;
    l_message := 'call failed: ' || l_url || CASE WHEN note IS NOT NULL THEN ' (' || note || ')' END;
    IF l_have_resp THEN
      BEGIN
        UTL_HTTP.END_RESPONSE(l_resp);
      EXCEPTION
        WHEN OTHERS THEN NULL;
      END;
    ELSIF l_have_req THEN
      BEGIN
        UTL_HTTP.END_REQUEST(l_req);
      EXCEPTION
        WHEN OTHERS THEN NULL;
      END;
    END IF;
    BEGIN
      log_result;
    EXCEPTION
      WHEN OTHERS THEN NULL; -- nothing left to tell: never raise out of a notification
    END;
END sendNotification;
/
DECLARE
  n NUMBER;
BEGIN
  SELECT COUNT(*) INTO n
    FROM all_errors
   WHERE owner = NVL('', SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA'))
     AND name = 'SENDNOTIFICATION'
     AND type = 'PROCEDURE'
     AND attribute = 'ERROR';
  IF n > 0 THEN
    RAISE_APPLICATION_ERROR(-20001, 'PROCEDURE SENDNOTIFICATION has compilation errors: run SHOW ERRORS PROCEDURE SENDNOTIFICATION');
  END IF;
END;
/
INSERT INTO DCN_SCHEMA_HISTORY (installed_rank, version, description, script, checksum, profile,
                            operation, statements_done, statements_total, done_hash, success, installed_by)
SELECT NVL(MAX(installed_rank), 0) + 1, 'R__01_sendNotification', '01 sendNotification', 'R__01_sendNotification.sql', 'ce43eb50bff9e0afe9e0509fc7a7ba30128e5322', 'app',
       'migrate', 1, 1, 'e9e0509fc7a7ba301b4b6a5db356105ff43a0270b34342fd49bcc66bb1d77403', 1, USER
  FROM DCN_SCHEMA_HISTORY;
COMMIT;

-- R__02_orders_nf_callback: 02 orders nf callback (R__02_orders_nf_callback.sql, repeatable)
-- R__02_orders_nf_callback.sql:38
CREATE OR REPLACE PROCEDURE orders_nf_callback (ntfnds IN SYS.CHNF$_DESC) IS
  c_url         CONSTANT VARCHAR2(2000) := 'http://localhost:8080/phpcache/dropResults.php';
  c_orders      CONSTANT VARCHAR2(261)  := 'OE.ORDERS';
  c_order_items CONSTANT VARCHAR2(261)  := 'OE.ORDER_ITEMS';
  -- ORDERS is keyed by its primary key, taken as immutable; ORDER_ITEMS by ORDER_ID, which an
  -- UPDATE can change unless the setting orderItemsKeyImmutable says it never does.
  c_items_key_fixed CONSTANT BOOLEAN := 'no' = 'yes';
  -- batch: one call per table per notification; per-key: the article's one call per order or key
  c_batch       CONSTANT BOOLEAN := 'batch' = 'batch';
  -- a batch is logged whole in nfresults.key_values, VARCHAR2(4000): no batch is longer
  c_batch_bytes CONSTANT PLS_INTEGER := 4000;
  c_lf          CONSTANT VARCHAR2(1) := CHR(10); -- ends each line of a batch but the last

  TYPE t_rowids IS TABLE OF VARCHAR2(2000); -- CHNF$_RDESC.row_id
  TYPE t_ids    IS TABLE OF VARCHAR2(40);
  TYPE t_seen   IS TABLE OF BOOLEAN INDEX BY VARCHAR2(40);
  TYPE t_keys   IS TABLE OF VARCHAR2(32767);
  TYPE t_flags  IS TABLE OF NUMBER;
  TYPE t_seen_keys IS TABLE OF BOOLEAN INDEX BY VARCHAR2(32767);
  -- separates a row's key values in the lookup's result: a control character no key holds
  c_key_sep     CONSTANT VARCHAR2(1) := CHR(31);
  c_amp         CONSTANT VARCHAR2(1) := CHR(38); -- '&', kept out of the script for SQL*Plus

  PROCEDURE log_event (p_table VARCHAR2, p_event VARCHAR2, p_operation VARCHAR2, p_message VARCHAR2, p_error VARCHAR2 DEFAULT NULL) IS
    PRAGMA AUTONOMOUS_TRANSACTION;
  BEGIN
    INSERT INTO nfresults (tblname, event, operation, rslt_msg, error_text, regid)
    -- SUBSTRB: the columns count bytes; cutting characters could raise ORA-12899 and lose the row
    VALUES (SUBSTRB(p_table, 1, 261), p_event, SUBSTRB(p_operation, 1, 60), SUBSTRB(p_message, 1, 4000), SUBSTRB(p_error, 1, 4000), ntfnds.registration_id);
    COMMIT;
  END log_event;

  FUNCTION operation_names (p_opflags NUMBER) RETURN VARCHAR2 IS
    l_names VARCHAR2(100);
    PROCEDURE add_name (p_bit NUMBER, p_name VARCHAR2) IS
    BEGIN
      IF BITAND(p_opflags, p_bit) <> 0 THEN
        l_names := l_names || CASE WHEN l_names IS NOT NULL THEN ',' END || p_name;
      END IF;
    END add_name;
  BEGIN
    add_name(DBMS_CHANGE_NOTIFICATION.INSERTOP, 'insert');
    add_name(DBMS_CHANGE_NOTIFICATION.UPDATEOP, 'update');
    add_name(DBMS_CHANGE_NOTIFICATION.DELETEOP, 'delete');
    add_name(DBMS_CHANGE_NOTIFICATION.ALTEROP, 'alter');
    add_name(DBMS_CHANGE_NOTIFICATION.DROPOP, 'drop');
    add_name(DBMS_CHANGE_NOTIFICATION.UNKNOWNOP, 'unknown');
    add_name(DBMS_CHANGE_NOTIFICATION.ALL_ROWS, 'all rows');
    RETURN l_names;
  END operation_names;

  FUNCTION event_name (p_event NUMBER) RETURN VARCHAR2 IS
  BEGIN
    RETURN CASE p_event
             WHEN DBMS_CHANGE_NOTIFICATION.EVENT_STARTUP THEN 'startup'
             WHEN DBMS_CHANGE_NOTIFICATION.EVENT_SHUTDOWN THEN 'shutdown'
             WHEN DBMS_CHANGE_NOTIFICATION.EVENT_SHUTDOWN_ANY THEN 'shutdown_any'
             WHEN DBMS_CHANGE_NOTIFICATION.EVENT_DROP_DB THEN 'drop_db'
             WHEN DBMS_CHANGE_NOTIFICATION.EVENT_DEREG THEN 'deregistration'
             WHEN DBMS_CHANGE_NOTIFICATION.EVENT_QUERYCHANGE THEN 'querychange'
             ELSE 'event ' || p_event
           END;
  END event_name;

  -- OWNER.TABLE without its owner, as the URL names the table.
  FUNCTION short_name (p_table VARCHAR2) RETURN VARCHAR2 IS
  BEGIN
    RETURN SUBSTR(p_table, INSTR(p_table, '.') + 1);
  END short_name;

  -- One call of the callback URL (sendNotification logs it, and never raises).
  PROCEDURE call_url (p_table VARCHAR2, p_order VARCHAR2 DEFAULT NULL, p_note VARCHAR2 DEFAULT NULL, p_keys VARCHAR2 DEFAULT NULL, p_batch VARCHAR2 DEFAULT NULL) IS
    l_logged NUMBER;
  BEGIN
    sendNotification(url => c_url, tblname => p_table, order_id => p_order, regid => ntfnds.registration_id,
                     note => p_note, key_values => p_keys, logged_id => l_logged, batch => p_batch);
  END call_url;

  -- One line of a table's batch ("order_no=…", or "key=…" once per key column): the batch is sent first when the
  -- line would make it longer than its log row holds. A line longer than that alone (keys of very
  -- long values) is sent as a call of its own, as per-key does.
  PROCEDURE add_to_batch (p_table VARCHAR2, p_batch IN OUT NOCOPY VARCHAR2, p_line VARCHAR2) IS
  BEGIN
    IF LENGTHB(p_line) > c_batch_bytes THEN
      call_url(p_table, p_keys => p_line);
      RETURN;
    END IF;
    IF p_batch IS NOT NULL AND LENGTHB(p_batch) + LENGTHB(p_line) >= c_batch_bytes THEN
      call_url(p_table, p_batch => p_batch);
      p_batch := NULL;
    END IF;
    p_batch := p_batch || CASE WHEN p_batch IS NOT NULL THEN c_lf END || p_line;
  END add_to_batch;

  -- What add_to_batch has not sent yet: the last (often the only) call of the table.
  PROCEDURE end_batch (p_table VARCHAR2, p_batch VARCHAR2) IS
  BEGIN
    IF p_batch IS NOT NULL THEN
      call_url(p_table, p_batch => p_batch);
    END IF;
  END end_batch;

  -- One table of the notification: p_table is c_orders or c_order_items, never outside text.
  PROCEDURE notify_table (p_table VARCHAR2, p_tdesc SYS.CHNF$_TDESC) IS
    l_short   CONSTANT VARCHAR2(128) := short_name(p_table);
    l_rows    rdesc_tab := rdesc_tab();
    l_row_ids t_rowids;
    l_orders  t_ids;
    l_seen    t_seen;
    l_order   VARCHAR2(40);
    l_why     VARCHAR2(200);
    l_batch   VARCHAR2(4000);
  BEGIN
    IF BITAND(p_tdesc.opflags, DBMS_CHANGE_NOTIFICATION.DROPOP + DBMS_CHANGE_NOTIFICATION.ALTEROP) <> 0 THEN
      l_why := 'table ' || operation_names(BITAND(p_tdesc.opflags, DBMS_CHANGE_NOTIFICATION.DROPOP + DBMS_CHANGE_NOTIFICATION.ALTEROP));
      log_event(p_table, 'objchange', operation_names(p_tdesc.opflags), l_why || ': check the registration (dcn regs)');
    ELSIF BITAND(p_tdesc.opflags, DBMS_CHANGE_NOTIFICATION.ALL_ROWS) <> 0 OR p_tdesc.row_desc_array IS NULL THEN
      l_why := 'all rows: ' || NVL(TO_CHAR(p_tdesc.numrows), 'unknown') || ' row(s) changed, no ROWIDs';
    ELSE
      FOR j IN 1 .. p_tdesc.row_desc_array.COUNT LOOP
        IF BITAND(p_tdesc.row_desc_array(j).opflags, DBMS_CHANGE_NOTIFICATION.DELETEOP) <> 0 THEN
          l_why := 'rows deleted: their orders cannot be looked up';
        ELSIF p_table = c_order_items AND NOT c_items_key_fixed
              AND BITAND(p_tdesc.row_desc_array(j).opflags, DBMS_CHANGE_NOTIFICATION.UPDATEOP) <> 0 THEN
          l_why := 'items updated: an update may have moved an item from another order, whose results it does not name';
        ELSE
          l_rows.EXTEND;
          l_rows(l_rows.LAST) := p_tdesc.row_desc_array(j);
        END IF;
      END LOOP;
      IF l_why IS NULL AND l_rows.COUNT > 0 THEN
        -- the hint: a collection has no statistics, and the optimizer takes it for 8168 rows and
        -- may scan the whole table for each notification; a few rows keep the ROWID access
        EXECUTE IMMEDIATE
          'SELECT /*+ CARDINALITY(d 10) */ d.row_id, TO_CHAR(t.order_id) FROM TABLE(CAST(:changed_rows AS rdesc_tab)) d '
          || 'LEFT JOIN ' || p_table || ' t ON t.ROWID = CHARTOROWID(d.row_id)'
          BULK COLLECT INTO l_row_ids, l_orders
          USING l_rows;
        FOR k IN 1 .. l_orders.COUNT LOOP
          IF l_orders(k) IS NULL THEN
            l_why := 'a changed row is no longer there: its order cannot be looked up';
          ELSE
            l_seen(l_orders(k)) := TRUE;
          END IF;
        END LOOP;
      END IF;
    END IF;

    IF l_why IS NOT NULL THEN
      call_url(l_short, p_note => l_why);
    ELSE
      l_order := l_seen.FIRST;
      WHILE l_order IS NOT NULL LOOP
        IF c_batch THEN
          add_to_batch(l_short, l_batch, 'order_no=' || UTL_URL.ESCAPE(l_order, TRUE));
        ELSE
          call_url(l_short, p_order => l_order);
        END IF;
        l_order := l_seen.NEXT(l_order);
      END LOOP;
      end_batch(l_short, l_batch);
    END IF;
  END notify_table;

  -- "key=v1", "key=v2" … joined by c_amp, from the values the lookup joined with c_key_sep, each
  -- escaped for the URL. INSTR of NULL is NULL, never 0: the loop ends on NULL too.
  FUNCTION key_query (p_values VARCHAR2) RETURN VARCHAR2 IS
    l_query VARCHAR2(32767);
    l_from  PLS_INTEGER := 1;
    l_to    PLS_INTEGER;
  BEGIN
    LOOP
      l_to := INSTR(p_values, c_key_sep, l_from);
      l_query := l_query || CASE WHEN l_query IS NOT NULL THEN c_amp END || 'key='
                 || UTL_URL.ESCAPE(SUBSTR(p_values, l_from, CASE WHEN l_to > 0 THEN l_to - l_from ELSE LENGTH(p_values) + 1 - l_from END), TRUE);
      EXIT WHEN NVL(l_to, 0) = 0;
      l_from := l_to + 1;
    END LOOP;
    RETURN l_query;
  END key_query;

  -- A table other than orders and order items: routed by its row in dcn_routes. Its owner, name
  -- and key columns are quoted by DBMS_ASSERT before they reach the lookup's text (dcn checked
  -- them when it wrote the route); the ROWIDs are bound. The name is the dictionary's, in its
  -- case: dcn_routes holds it so.
  PROCEDURE notify_routed (p_tdesc SYS.CHNF$_TDESC) IS
    l_table   CONSTANT VARCHAR2(261) := p_tdesc.table_name;
    l_owner   CONSTANT VARCHAR2(128) := SUBSTR(l_table, 1, INSTR(l_table, '.') - 1);
    l_short   CONSTANT VARCHAR2(128) := short_name(l_table);
    l_columns VARCHAR2(4000);
    l_fixed   VARCHAR2(3);
    l_unrouted VARCHAR2(100);
    l_column  VARCHAR2(300);
    l_select  VARCHAR2(32767);
    l_nullable VARCHAR2(32767);
    l_from    PLS_INTEGER := 1;
    l_to      PLS_INTEGER;
    l_rows    rdesc_tab := rdesc_tab();
    l_found   t_rowids;
    l_values  t_keys;
    l_nulls   t_flags;
    l_seen    t_seen_keys;
    l_key     VARCHAR2(32767);
    l_why     VARCHAR2(200);
    l_batch   VARCHAR2(4000);
  BEGIN
    -- dynamic SQL: dcn_routes is V8's, and may be gone (V8 undone)
    BEGIN
      EXECUTE IMMEDIATE 'SELECT key_columns, key_immutable FROM dcn_routes WHERE table_owner = :table_owner AND table_name = :table_name'
        INTO l_columns, l_fixed
        USING l_owner, l_short;
    EXCEPTION
      WHEN NO_DATA_FOUND THEN
        l_unrouted := 'no route for this table: dcn register writes one';
      WHEN OTHERS THEN
        IF SQLCODE != -942 THEN RAISE; END IF; -- ORA-00942: no dcn_routes
        l_unrouted := 'no routes table: dcn migrate creates dcn_routes';
    END;

    IF BITAND(p_tdesc.opflags, DBMS_CHANGE_NOTIFICATION.DROPOP + DBMS_CHANGE_NOTIFICATION.ALTEROP) <> 0 THEN
      l_why := 'table ' || operation_names(BITAND(p_tdesc.opflags, DBMS_CHANGE_NOTIFICATION.DROPOP + DBMS_CHANGE_NOTIFICATION.ALTEROP));
      log_event(l_table, 'objchange', operation_names(p_tdesc.opflags), l_why || ': check the registration (dcn regs)');
    ELSIF l_unrouted IS NOT NULL THEN
      l_why := l_unrouted;
    ELSIF l_columns IS NULL THEN
      l_why := 'the route names no key columns';
    ELSIF BITAND(p_tdesc.opflags, DBMS_CHANGE_NOTIFICATION.ALL_ROWS) <> 0 OR p_tdesc.row_desc_array IS NULL THEN
      l_why := 'all rows: ' || NVL(TO_CHAR(p_tdesc.numrows), 'unknown') || ' row(s) changed, no ROWIDs';
    ELSE
      FOR j IN 1 .. p_tdesc.row_desc_array.COUNT LOOP
        IF BITAND(p_tdesc.row_desc_array(j).opflags, DBMS_CHANGE_NOTIFICATION.DELETEOP) <> 0 THEN
          l_why := 'rows deleted: their keys cannot be looked up';
        ELSIF l_fixed <> 'yes' AND BITAND(p_tdesc.row_desc_array(j).opflags, DBMS_CHANGE_NOTIFICATION.UPDATEOP) <> 0 THEN
          l_why := 'rows updated: an update may have changed a key, whose old value it does not name';
        ELSE
          l_rows.EXTEND;
          l_rows(l_rows.LAST) := p_tdesc.row_desc_array(j);
        END IF;
      END LOOP;
      IF l_why IS NULL AND l_rows.COUNT > 0 THEN
        -- TO_CHAR(t."COL1") || CHR(31) || TO_CHAR(t."COL2") …, in the route's order, and
        -- t."COL1" IS NULL OR t."COL2" IS NULL …: a NULL key value (Oracle stores '' as NULL too)
        -- names no cached result
        LOOP
          l_to := INSTR(l_columns, ',', l_from);
          l_column := 't.' || DBMS_ASSERT.ENQUOTE_NAME(SUBSTR(l_columns, l_from, CASE WHEN l_to > 0 THEN l_to - l_from ELSE LENGTH(l_columns) + 1 - l_from END), FALSE);
          l_select := l_select || CASE WHEN l_select IS NOT NULL THEN ' || CHR(31) || ' END || 'TO_CHAR(' || l_column || ')';
          l_nullable := l_nullable || CASE WHEN l_nullable IS NOT NULL THEN ' OR ' END || l_column || ' IS NULL';
          EXIT WHEN NVL(l_to, 0) = 0;
          l_from := l_to + 1;
        END LOOP;
        -- one statement for all the changed rows of the table, however many; the hint as in
        -- notify_table (ROWID access, not a full scan)
        EXECUTE IMMEDIATE
          'SELECT /*+ CARDINALITY(d 10) */ ROWIDTOCHAR(t.ROWID), ' || l_select || ', CASE WHEN ' || l_nullable || ' THEN 1 ELSE 0 END'
          || ' FROM TABLE(CAST(:changed_rows AS rdesc_tab)) d '
          || 'LEFT JOIN ' || DBMS_ASSERT.ENQUOTE_NAME(l_owner, FALSE) || '.' || DBMS_ASSERT.ENQUOTE_NAME(l_short, FALSE)
          || ' t ON t.ROWID = CHARTOROWID(d.row_id)'
          BULK COLLECT INTO l_found, l_values, l_nulls
          USING l_rows;
        FOR k IN 1 .. l_found.COUNT LOOP
          IF l_found(k) IS NULL THEN
            l_why := 'a changed row is no longer there: its key cannot be looked up';
          ELSIF l_nulls(k) <> 0 THEN
            l_why := 'a changed row has a NULL key value, which names no cached result';
          ELSE
            l_seen(key_query(l_values(k))) := TRUE;
          END IF;
        END LOOP;
      END IF;
    END IF;

    IF l_why IS NOT NULL THEN
      call_url(l_short, p_note => l_why);
    ELSE
      l_key := l_seen.FIRST;
      WHILE l_key IS NOT NULL LOOP
        IF c_batch THEN
          add_to_batch(l_short, l_batch, l_key);
        ELSE
          call_url(l_short, p_keys => l_key);
        END IF;
        l_key := l_seen.NEXT(l_key);
      END LOOP;
      end_batch(l_short, l_batch);
    END IF;
  END notify_routed;

  -- One table of the notification, in a block of its own: whatever fails in it is logged with
  -- its error, and the table gets one table-level call (its cached results are dropped, not kept
  -- stale); the other tables go on. The name is compared as the dictionary stores it.
  PROCEDURE notify_one (p_tdesc SYS.CHNF$_TDESC) IS
    l_error VARCHAR2(4000);
  BEGIN
    CASE p_tdesc.table_name
      WHEN c_orders THEN
        notify_table(c_orders, p_tdesc);
      WHEN c_order_items THEN
        notify_table(c_order_items, p_tdesc);
      ELSE
        notify_routed(p_tdesc);
    END CASE;
  EXCEPTION
    WHEN OTHERS THEN
      l_error := SUBSTRB(SQLERRM, 1, 4000);
      BEGIN
        log_event(p_tdesc.table_name, 'error', operation_names(p_tdesc.opflags), 'failed: notified at table level', l_error || ' ' || DBMS_UTILITY.FORMAT_ERROR_BACKTRACE);
      EXCEPTION
        WHEN OTHERS THEN NULL; -- the call below is logged all the same
      END;
      call_url(short_name(p_tdesc.table_name), p_note => SUBSTRB('after an error: ' || l_error, 1, 200));
  END notify_one;

  -- The calls of one notification reuse one connection to the listener (HTTP 1.1 keep-alive);
  -- without the setting each call opens and closes its own. Closed at the end of the
  -- notification: the job's session outlives it, and the listener closes an idle connection.
  -- Neither may stop a notification: the calls go on without reuse.
  PROCEDURE reuse_connections (p_on BOOLEAN) IS
  BEGIN
    IF NOT p_on THEN
      UTL_HTTP.CLOSE_PERSISTENT_CONNS;
    END IF;
    UTL_HTTP.SET_PERSISTENT_CONN_SUPPORT(p_on, CASE WHEN p_on THEN 1 ELSE 0 END);
  EXCEPTION
    WHEN OTHERS THEN NULL; -- calls without reuse are calls all the same
  END reuse_connections;
BEGIN
  IF ntfnds.event_type = DBMS_CHANGE_NOTIFICATION.EVENT_OBJCHANGE THEN
    reuse_connections(TRUE);
    FOR i IN 1 .. NVL(ntfnds.numtables, 0) LOOP
      notify_one(ntfnds.table_desc_array(i));
    END LOOP;
    reuse_connections(FALSE);
  ELSE
    log_event(NULL, event_name(ntfnds.event_type), NULL, 'registration ' || ntfnds.registration_id || ': ' || event_name(ntfnds.event_type));
  END IF;
EXCEPTION
  WHEN OTHERS THEN
    BEGIN
      log_event(NULL, 'error', NULL, 'orders_nf_callback failed', SQLERRM || ' ' || DBMS_UTILITY.FORMAT_ERROR_BACKTRACE);
    EXCEPTION
      WHEN OTHERS THEN NULL; -- never raise out of the callback
    END;
    reuse_connections(FALSE);
END orders_nf_callback;
/
DECLARE
  n NUMBER;
BEGIN
  SELECT COUNT(*) INTO n
    FROM all_errors
   WHERE owner = NVL('', SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA'))
     AND name = 'ORDERS_NF_CALLBACK'
     AND type = 'PROCEDURE'
     AND attribute = 'ERROR';
  IF n > 0 THEN
    RAISE_APPLICATION_ERROR(-20001, 'PROCEDURE ORDERS_NF_CALLBACK has compilation errors: run SHOW ERRORS PROCEDURE ORDERS_NF_CALLBACK');
  END IF;
END;
/
INSERT INTO DCN_SCHEMA_HISTORY (installed_rank, version, description, script, checksum, profile,
                            operation, statements_done, statements_total, done_hash, success, installed_by)
SELECT NVL(MAX(installed_rank), 0) + 1, 'R__02_orders_nf_callback', '02 orders nf callback', 'R__02_orders_nf_callback.sql', '7cadbeff6c55e67f2de4142b9ae944945dc42ff47c980402337d0036', 'app',
       'migrate', 1, 1, '2de4142b9ae94494a83c84708a13c302299299861678497b9651c03b8c09ee16', 1, USER
  FROM DCN_SCHEMA_HISTORY;
COMMIT;

PROMPT dcn: 10 migration(s) applied
