-- dcn: profile=admin
-- dcn: accepts=e15ba921741d87361f4916fd3fc12201526f1a5288ebab5334e78871120c7ae3
-- dcn: accepts=f36f2847566dbbd24a4a1d7f71b02fe52a23abd96ae148238e270feef12cd0e0
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
-- Raise it only when it is 0, and never lower it: its default is 1000 in 11g, 4000 from 12.2 to
-- 19c, and derived from the CPU count and the sessions from 21c on (Oracle Database Reference,
-- JOB_QUEUE_PROCESSES); the 2006 article's "SET job_queue_processes=2" would lower it today.
-- In a PDB the ALTER SYSTEM may be refused (ORA-27400, say: a value outside what the root
-- allows), and when it is 0 in CDB$ROOT no job runs in any PDB whatever the PDB says: then a
-- DBA must set it in CDB$ROOT, and the error says so rather than failing bare.
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
