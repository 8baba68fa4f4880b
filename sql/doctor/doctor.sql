-- The queries of dcn doctor, one per "-- name:" block. All run as the app schema, and need no
-- privilege beyond its own (a missing one turns a check into a warning, not a failure).

-- name: privs.change-notification
-- Directly or through a role: SESSION_PRIVS lists what the session holds now.
SELECT privilege FROM session_privs WHERE privilege = 'CHANGE NOTIFICATION';

-- name: privs.execute-package
-- The callback is a definer's-rights procedure: it needs EXECUTE granted directly, not via a role.
SELECT 'direct' AS via
  FROM user_tab_privs
 WHERE table_name IN ('DBMS_CHANGE_NOTIFICATION', 'DBMS_CQ_NOTIFICATION') AND privilege = 'EXECUTE'
UNION ALL
SELECT 'role' AS via
  FROM role_tab_privs
 WHERE table_name IN ('DBMS_CHANGE_NOTIFICATION', 'DBMS_CQ_NOTIFICATION') AND privilege = 'EXECUTE';

-- name: param.job-queue-processes
-- CON_ID 0: not a CDB; 1: the root; 3 and up: a PDB, where the value seen is the PDB's own and a
-- 0 in the root (which a PDB session cannot see) stops every callback all the same.
SELECT value, SYS_CONTEXT('USERENV', 'CON_ID') AS con_id FROM v$parameter WHERE name = 'job_queue_processes';

-- name: aces.user
SELECT host, lower_port, upper_port, privilege, status FROM user_host_aces;

-- name: objects.dcn
SELECT object_name, object_type, status
  FROM user_objects
 WHERE object_name IN ('NFRESULTS', 'RDESC_TAB', 'SENDNOTIFICATION', 'ORDERS_NF_CALLBACK')
   AND object_type IN ('TABLE', 'TYPE', 'PROCEDURE');

-- name: errors.object
SELECT line, position, text
  FROM user_errors
 WHERE name = :name AND type = :type AND attribute = 'ERROR'
 ORDER BY sequence;

-- name: log.rows
-- The rows of the notification log, counted only up to one past the warning's threshold: on a
-- log of millions the count stops once it has passed it.
SELECT COUNT(*) AS n FROM (SELECT 1 FROM nfresults WHERE ROWNUM <= :cap);
