-- The statements of dcn register, enable-reg, regs and deregister, one per "-- name:" block.
-- Table names and values are bind variables; the only substituted text is made by dcn itself:
-- &table_binds is ":table_1, :table_2, …" (one bind per table), &qosflags and &operations are
-- sums of DBMS_CHANGE_NOTIFICATION constants chosen from fixed lists.

-- name: session.user
SELECT SYS_CONTEXT('USERENV', 'SESSION_USER') AS session_user,
       SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') AS current_schema
  FROM dual;

-- name: session.schema
-- In a --dry-run script only: the schema an unqualified table resolves in, read into :owner for
-- the route's write, as dcn reads CURRENT_SCHEMA (session.user) before it writes one.
BEGIN
  :owner := SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA');
END;
/

-- name: table.visible
SELECT owner, table_name FROM all_tables WHERE owner = :owner AND table_name = :table_name;

-- name: object.kind
SELECT object_type FROM all_objects WHERE owner = :owner AND object_name = :object_name;

-- name: register.new
-- A registration with the callback, QoS flags, timeout and operations filter, and one query per
-- table that reads at most one ROWID: the objects a query references while it executes are what
-- the registration covers. ROWNUM = 1 and a FETCH, as Oracle's own examples do, not ROWNUM < 1:
-- a query the optimizer can answer without opening the table might register nothing; and a
-- FETCH, unlike SELECT INTO, does not raise NO_DATA_FOUND on an empty table.
-- Names are checked (DBMS_ASSERT) before the registration block, where no other query may run;
-- if anything fails inside it, the half-made registration is removed again.
DECLARE
  l_tables SYS.ODCIVARCHAR2LIST := SYS.ODCIVARCHAR2LIST(&table_binds);
  l_regid  NUMBER;
  l_rows   SYS_REFCURSOR;
  l_rowid  ROWID;
BEGIN
  FOR i IN 1 .. l_tables.COUNT LOOP
    l_tables(i) := DBMS_ASSERT.SQL_OBJECT_NAME(l_tables(i));
  END LOOP;
  l_regid := DBMS_CHANGE_NOTIFICATION.NEW_REG_START(
               SYS.CHNF$_REG_INFO(:callback, &qosflags, :timeout, &operations, 0));
  FOR i IN 1 .. l_tables.COUNT LOOP
    OPEN l_rows FOR 'SELECT ROWID FROM ' || l_tables(i) || ' WHERE ROWNUM = 1';
    FETCH l_rows INTO l_rowid;
    CLOSE l_rows;
  END LOOP;
  DBMS_CHANGE_NOTIFICATION.REG_END;
  :regid := l_regid;
EXCEPTION
  WHEN OTHERS THEN
    IF l_regid IS NOT NULL THEN
      BEGIN
        DBMS_CHANGE_NOTIFICATION.REG_END;
      EXCEPTION
        WHEN OTHERS THEN NULL;
      END;
      DBMS_CHANGE_NOTIFICATION.DEREGISTER(l_regid);
    END IF;
    RAISE;
END;
/

-- name: register.enable
-- Adds tables to an existing registration: ENABLE_REG … the same queries … REG_END.
DECLARE
  l_tables SYS.ODCIVARCHAR2LIST := SYS.ODCIVARCHAR2LIST(&table_binds);
  l_open   BOOLEAN := FALSE;
  l_rows   SYS_REFCURSOR;
  l_rowid  ROWID;
BEGIN
  FOR i IN 1 .. l_tables.COUNT LOOP
    l_tables(i) := DBMS_ASSERT.SQL_OBJECT_NAME(l_tables(i));
  END LOOP;
  DBMS_CHANGE_NOTIFICATION.ENABLE_REG(:regid);
  l_open := TRUE;
  FOR i IN 1 .. l_tables.COUNT LOOP
    OPEN l_rows FOR 'SELECT ROWID FROM ' || l_tables(i) || ' WHERE ROWNUM = 1';
    FETCH l_rows INTO l_rowid;
    CLOSE l_rows;
  END LOOP;
  DBMS_CHANGE_NOTIFICATION.REG_END;
EXCEPTION
  WHEN OTHERS THEN
    IF l_open THEN
      BEGIN
        DBMS_CHANGE_NOTIFICATION.REG_END;
      EXCEPTION
        WHEN OTHERS THEN NULL;
      END;
    END IF;
    RAISE;
END;
/

-- name: regs.user
SELECT regid, regflags, callback, operations_filter, changelag, timeout, table_name
  FROM user_change_notification_regs
 ORDER BY regid, table_name;

-- name: regs.all
SELECT username, regid, regflags, callback, operations_filter, changelag, timeout, table_name
  FROM dba_change_notification_regs
 ORDER BY username, regid, table_name;

-- name: deregister
BEGIN
  DBMS_CHANGE_NOTIFICATION.DEREGISTER(:regid);
END;
/

-- name: table.primary-key
-- The primary key's columns, in key order: a table's route by default.
SELECT cc.column_name
  FROM all_constraints c
  JOIN all_cons_columns cc
    ON cc.owner = c.owner AND cc.constraint_name = c.constraint_name AND cc.table_name = c.table_name
 WHERE c.owner = :owner
   AND c.table_name = :table_name
   AND c.constraint_type = 'P'
 ORDER BY cc.position;

-- name: table.columns
-- The table's columns, to check the key columns a user names; NULLABLE 'Y' (no NOT NULL
-- constraint) gets a warning: a row whose key is NULL names no cached result by its key.
SELECT column_name, nullable FROM all_tab_columns WHERE owner = :owner AND table_name = :table_name;

-- name: table.direct-grant
-- SELECT or READ on a table granted to the session user itself or to PUBLIC: what the callback
-- can use besides owning the table (or an ANY TABLE privilege, user.any-table). The callback is
-- definer's-rights PL/SQL, where roles are disabled, dynamic SQL included (PL/SQL Language
-- Reference, "Invoker's Rights and Definer's Rights (AUTHID Property)",
-- https://docs.oracle.com/en/database/oracle/oracle-database/19/lnpls/subprograms.html).
-- ALL_TABLES honours enabled roles, so it cannot tell; ALL_TAB_PRIVS names a grant to an enabled
-- role by the role (Database Reference, ALL_TAB_PRIVS), which this leaves out.
SELECT privilege, grantee
  FROM all_tab_privs
 WHERE table_schema = :owner AND table_name = :table_name
   AND privilege IN ('SELECT', 'READ')
   AND grantee IN (SYS_CONTEXT('USERENV', 'SESSION_USER'), 'PUBLIC');

-- name: user.any-table
-- SELECT ANY TABLE or READ ANY TABLE granted to the session user itself or to PUBLIC (not
-- through a role: USER_SYS_PRIVS lists only these).
SELECT privilege FROM user_sys_privs WHERE privilege IN ('SELECT ANY TABLE', 'READ ANY TABLE');

-- name: routes.available
-- Is dcn_routes there (migration V8)? Asked before registering, so a route is never left unwritten.
SELECT COUNT(*) AS routes FROM user_tables WHERE table_name = 'DCN_ROUTES';

-- name: routes.save
-- A table's route: written with its registration, replaced when the table is registered again.
BEGIN
  UPDATE dcn_routes
     SET key_columns = :key_columns, key_immutable = :key_immutable
   WHERE table_owner = :owner AND table_name = :table_name;
  IF SQL%ROWCOUNT = 0 THEN
    INSERT INTO dcn_routes (table_owner, table_name, key_columns, key_immutable)
    VALUES (:owner, :table_name, :key_columns, :key_immutable);
  END IF;
END;
/

-- name: routes.list
SELECT table_owner, table_name, key_columns, key_immutable
  FROM dcn_routes
 ORDER BY table_owner, table_name;

-- name: routes.delete
-- A table no registration covers any more has no route.
DELETE FROM dcn_routes WHERE table_owner = :owner AND table_name = :table_name;
