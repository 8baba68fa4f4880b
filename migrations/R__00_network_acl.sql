-- dcn: profile=admin
--
-- Run by a DBA (the admin profile): lets &app_schema call the application's callback URL over
-- HTTP from the notification callback. Without it every notification fails with ORA-24247
-- (network access denied by access control list). One ACE: connect, for the callback's host and
-- port only (12c and later).
--
-- Repeatable: dcn migrate runs it again when the callback URL names another host or port. It then
-- appends the ACE for the new host and port, and removes the one it appended for the old.
-- &app_schema..dcn_given_aces lists the ACEs dcn appended. An ACE that was there before is never
-- listed and never removed: ACEs, like grants, are not reference-counted, and a DBA's stays.
-- U1 removes the listed ones and drops the list.

-- The list. Made here rather than in V1: a database set up by dcn 0.1 counts its V1 as applied.
-- There, dcn 0.1's V1 appended the ACE for the callback's host and port and kept no list at all
-- (its U1 removed the ACE unasked): when the list is new and V1's list of what the schema held
-- before dcn is missing too, that ACE goes on the list, and is removed as dcn 0.1 would have.
DECLARE
  l_v1_list NUMBER;
BEGIN
  EXECUTE IMMEDIATE 'CREATE TABLE &app_schema..dcn_given_aces (
    host VARCHAR2(1000) NOT NULL,
    port NUMBER(5)      NOT NULL,
    CONSTRAINT dcn_given_aces_pk PRIMARY KEY (host, port))';
  SELECT COUNT(*) INTO l_v1_list FROM dba_tables WHERE owner = '&app_schema' AND table_name = 'DCN_HELD_BEFORE';
  IF l_v1_list = 0 THEN
    EXECUTE IMMEDIATE 'INSERT INTO &app_schema..dcn_given_aces (host, port)
      SELECT DISTINCT host, lower_port FROM dba_host_aces
       WHERE LOWER(host) = LOWER(:host) AND lower_port = :port AND upper_port = :port
         AND principal = ''&app_schema'' AND UPPER(privilege) = ''CONNECT'' AND grant_type = ''GRANT'''
      USING '&callback_host', &callback_port, &callback_port;
  END IF;
EXCEPTION
  WHEN OTHERS THEN
    IF SQLCODE != -955 THEN RAISE; END IF; -- ORA-00955: the list is there already
END;
/

DECLARE
  c_host CONSTANT VARCHAR2(1000) := LOWER('&callback_host');
  c_port CONSTANT PLS_INTEGER    := &callback_port;
  l_listed NUMBER;

  -- A connect ACE for exactly this host (in any case) and port, granted to the schema?
  FUNCTION ace_there (p_host VARCHAR2, p_port PLS_INTEGER) RETURN BOOLEAN IS
    l_count NUMBER;
  BEGIN
    SELECT COUNT(*) INTO l_count FROM dba_host_aces
     WHERE LOWER(host) = LOWER(p_host) AND lower_port = p_port AND upper_port = p_port
       AND principal = '&app_schema' AND UPPER(privilege) = 'CONNECT' AND grant_type = 'GRANT';
    RETURN l_count > 0;
  END ace_there;
BEGIN
  -- what dcn appended for a host or port the callback no longer calls (the host as it was given)
  FOR stale IN (SELECT host, port FROM &app_schema..dcn_given_aces WHERE LOWER(host) != c_host OR port != c_port) LOOP
    IF ace_there(stale.host, stale.port) THEN
      DBMS_NETWORK_ACL_ADMIN.REMOVE_HOST_ACE(
        host             => stale.host,
        lower_port       => stale.port,
        upper_port       => stale.port,
        ace              => xs$ace_type(privilege_list => xs$name_list('connect'),
                                        principal_name => '&app_schema',
                                        principal_type => xs_acl.ptype_db),
        remove_empty_acl => TRUE);
    END IF;
  END LOOP;
  DELETE FROM &app_schema..dcn_given_aces WHERE LOWER(host) != c_host OR port != c_port;

  -- the callback's host and port (the list now holds at most that): appended and listed, unless
  -- dcn did so before, or the schema had the ACE already
  SELECT COUNT(*) INTO l_listed FROM &app_schema..dcn_given_aces;
  IF l_listed = 0 AND NOT ace_there(c_host, c_port) THEN
    DBMS_NETWORK_ACL_ADMIN.APPEND_HOST_ACE(
      host       => c_host,
      lower_port => c_port,
      upper_port => c_port,
      ace        => xs$ace_type(privilege_list => xs$name_list('connect'),
                                principal_name => '&app_schema',
                                principal_type => xs_acl.ptype_db));
    INSERT INTO &app_schema..dcn_given_aces (host, port) VALUES (c_host, c_port);
  END IF;
END;
/
