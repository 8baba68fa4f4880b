-- dcn: profile=admin
-- dcn: accepts=e15ba921741d87361f4916fd3fc12201526f1a5288ebab5334e78871120c7ae3
--
-- Run by a DBA (the admin profile): lets &app_schema register for change notification. The
-- network ACE that lets its callback call the application's URL is R__00_network_acl's: it follows
-- the callback URL when that changes.
-- In a multitenant database, connect to the PDB (e.g. FREEPDB1), not to the root.

-- What the schema already holds, before V1 gives it anything. GRANT is not reference-counted: a
-- REVOKE would also take back what a DBA granted before dcn. U1 takes back only what is not
-- listed here, then drops the list.
CREATE TABLE &app_schema..dcn_held_before (
  what VARCHAR2(1100) NOT NULL,
  CONSTRAINT dcn_held_before_pk PRIMARY KEY (what)
);

INSERT INTO &app_schema..dcn_held_before (what)
SELECT 'CHANGE NOTIFICATION' FROM dba_sys_privs
 WHERE grantee = '&app_schema' AND privilege = 'CHANGE NOTIFICATION';

INSERT INTO &app_schema..dcn_held_before (what)
SELECT DISTINCT 'EXECUTE ON DBMS_CHANGE_NOTIFICATION' FROM dba_tab_privs
 WHERE grantee = '&app_schema' AND owner = 'SYS'
   AND table_name IN ('DBMS_CHANGE_NOTIFICATION', 'DBMS_CQ_NOTIFICATION') AND privilege = 'EXECUTE';

-- CHANGE NOTIFICATION: create registrations. EXECUTE: the package's constants and calls.
-- DBMS_CHANGE_NOTIFICATION is the package also known as DBMS_CQ_NOTIFICATION.
GRANT CHANGE NOTIFICATION TO &app_schema;
GRANT EXECUTE ON DBMS_CHANGE_NOTIFICATION TO &app_schema;

-- PL/SQL notifications run in job queue processes: JOB_QUEUE_PROCESSES must not be 0.
-- Raise it only when it is 0, and never lower it: the default has been 1000 since 11g,
-- and the 2006 article's "SET job_queue_processes=2" would lower it today.
DECLARE
  l_value NUMBER;
BEGIN
  SELECT TO_NUMBER(value) INTO l_value FROM v$parameter WHERE name = 'job_queue_processes';
  IF l_value = 0 THEN
    EXECUTE IMMEDIATE 'ALTER SYSTEM SET job_queue_processes = 10';
  END IF;
END;
/
