-- The statements dcn's migration engine runs, one per "-- name:" block. SQL*Plus syntax:
-- &history_table is the history table (default DCN_SCHEMA_HISTORY, configurable), &lock_wait is
-- "WAIT <seconds>" or "NOWAIT". Everything else is a bind variable.

-- name: table.exists
SELECT table_name FROM user_tables WHERE table_name = :table_name;

-- name: history.create
-- One row per migration. statements_done counts the statements of the script named by
-- operation ('migrate' = V script, 'undo' = U script) that completed: Oracle commits DDL
-- implicitly, so a failed migration is half-applied and this is where it stopped.
CREATE TABLE &history_table (
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
  CONSTRAINT &history_table._PK PRIMARY KEY (installed_rank),
  CONSTRAINT &history_table._UK UNIQUE (version)
);

-- name: lock.create
-- Row 1 is the lock: a dedicated session holds it with SELECT … FOR UPDATE and never commits,
-- so Oracle releases it when that session ends, however it ends. Row 2 names the holder.
CREATE TABLE &history_table._LOCK (
  id          NUMBER(1)     NOT NULL,
  holder      VARCHAR2(400),
  holder_sid  NUMBER,
  acquired_on TIMESTAMP,
  CONSTRAINT &history_table._LOCK_PK PRIMARY KEY (id)
);

-- name: lock.seed
INSERT INTO &history_table._LOCK (id) SELECT 1 FROM dual UNION ALL SELECT 2 FROM dual;

-- name: lock.session-id
SELECT SYS_CONTEXT('USERENV', 'SID') AS sid FROM dual;

-- name: lock.acquire
SELECT id FROM &history_table._LOCK WHERE id = 1 FOR UPDATE &lock_wait;

-- name: lock.record-holder
UPDATE &history_table._LOCK
   SET holder = :holder, holder_sid = :holder_sid, acquired_on = SYSTIMESTAMP
 WHERE id = 2;

-- name: lock.read-holder
SELECT holder, holder_sid, acquired_on FROM &history_table._LOCK WHERE id = 2;

-- name: history.select
SELECT installed_rank, version, description, script, checksum, profile, operation,
       statements_done, statements_total, done_hash, success, error_text,
       installed_by, installed_on, execution_ms
  FROM &history_table
 ORDER BY installed_rank;

-- name: history.insert
INSERT INTO &history_table (installed_rank, version, description, script, checksum, profile,
                            operation, statements_done, statements_total, success, installed_by)
SELECT NVL(MAX(installed_rank), 0) + 1, :version, :description, :script, :checksum, :profile,
       :operation, 0, :statements_total, 0, USER
  FROM &history_table;

-- name: history.restart
UPDATE &history_table
   SET checksum = :checksum, script = :script, operation = :operation, statements_total = :statements_total,
       success = 0, error_text = NULL
 WHERE version = :version;

-- name: history.progress
UPDATE &history_table
   SET statements_done = :statements_done, done_hash = :done_hash
 WHERE version = :version;

-- name: history.run-statements
-- Statements of a migration and the record that they ran, in one round trip: dcn writes the
-- EXECUTE IMMEDIATE line once per statement, :s1, :s2 … in order (one DDL statement alone, or
-- consecutive DML). Their progress is then recorded and committed with them (DDL has committed
-- itself). On any error the transaction is rolled back, so DML statements of the batch and
-- their record are applied together or not at all, and the error that reaches dcn is the
-- failed statement's own.
BEGIN
  EXECUTE IMMEDIATE :s1;
  UPDATE &history_table
     SET statements_done = :statements_done, done_hash = :done_hash
   WHERE version = :version;
  COMMIT;
EXCEPTION
  WHEN OTHERS THEN
    ROLLBACK;
    RAISE;
END;
/

-- name: history.succeed
UPDATE &history_table
   SET success = 1, error_text = NULL, execution_ms = :execution_ms,
       installed_on = SYSTIMESTAMP, installed_by = USER
 WHERE version = :version;

-- name: history.fail
UPDATE &history_table
   SET success = 0, error_text = :error_text, execution_ms = :execution_ms
 WHERE version = :version;

-- name: history.baseline
-- `dcn migrate baseline`: a migration whose objects were made without dcn, recorded as applied
-- without running it (operation 'baseline', no statement run).
INSERT INTO &history_table (installed_rank, version, description, script, checksum, profile,
                            operation, statements_done, statements_total, success, installed_by)
SELECT NVL(MAX(installed_rank), 0) + 1, :version, :description, :script, :checksum, :profile,
       'baseline', 0, :statements_total, 1, USER
  FROM &history_table;

-- name: baseline.objects
-- What the schema holds, by type and name: baseline checks that what a migration would create is there.
SELECT object_type, object_name FROM user_objects;

-- name: baseline.columns
-- The columns of the schema's tables: baseline checks that the columns a migration adds are there.
SELECT table_name, column_name FROM user_tab_columns;

-- name: history.delete
DELETE FROM &history_table WHERE version = :version;

-- name: history.realign
UPDATE &history_table SET checksum = :checksum, script = :script WHERE version = :version;

-- name: compile.errors
SELECT line, position, text, attribute
  FROM all_errors
 WHERE owner = NVL(:owner, SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA'))
   AND name = :name
   AND type = :type
 ORDER BY sequence;

-- name: objects.invalid
SELECT object_type, object_name
  FROM user_objects
 WHERE status = 'INVALID'
 ORDER BY object_type, object_name;

-- name: plan.record
-- Used by `dcn migrate plan` only: the script it writes records each migration itself, so a
-- plan run by hand in SQL*Plus shows as applied in `dcn migrate status`.
INSERT INTO &history_table (installed_rank, version, description, script, checksum, profile,
                            operation, statements_done, statements_total, done_hash, success, installed_by)
SELECT NVL(MAX(installed_rank), 0) + 1, '&version', '&description', '&script', '&checksum', '&profile',
       'migrate', &statements_total, &statements_total, '&done_hash', 1, USER
  FROM &history_table;

-- name: plan.compile-gate
-- Used by `dcn migrate plan` after each PL/SQL unit, type, trigger or view: SQL*Plus only warns
-- when one is created with compilation errors; this stops the script as `dcn migrate` would.
DECLARE
  n NUMBER;
BEGIN
  SELECT COUNT(*) INTO n
    FROM all_errors
   WHERE owner = NVL('&object_owner', SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA'))
     AND name = '&object_name'
     AND type = '&object_type'
     AND attribute = 'ERROR';
  IF n > 0 THEN
    RAISE_APPLICATION_ERROR(-20001, '&object_type &object_name has compilation errors: run SHOW ERRORS &object_type &object_name');
  END IF;
END;
/
