-- dcn: profile=admin
--
-- Takes back what V1 and R__00_network_acl gave, and nothing else: what &app_schema..dcn_held_before
-- lists was there before dcn and stays; only the ACEs &app_schema..dcn_given_aces lists are
-- removed. A database set up by dcn 0.1 has no such lists: there U1 takes everything back, as
-- dcn 0.1 did. A REVOKE of what is already gone is no failure. JOB_QUEUE_PROCESSES is left as it
-- is: other jobs may depend on it now.
DECLARE
  -- Was it there before dcn? Asked with dynamic SQL: the list may not exist (dcn 0.1).
  FUNCTION held_before (p_what VARCHAR2) RETURN BOOLEAN IS
    l_count NUMBER;
  BEGIN
    EXECUTE IMMEDIATE 'SELECT COUNT(*) FROM &app_schema..dcn_held_before WHERE what = :what' INTO l_count USING p_what;
    RETURN l_count > 0;
  EXCEPTION
    WHEN OTHERS THEN
      IF SQLCODE = -942 THEN RETURN FALSE; END IF;
      RAISE;
  END held_before;

  -- A REVOKE of a privilege that is not there (ORA-01927, ORA-01952) has nothing left to do.
  PROCEDURE revoke_given (p_what VARCHAR2) IS
  BEGIN
    IF NOT held_before(p_what) THEN
      EXECUTE IMMEDIATE 'REVOKE ' || p_what || ' FROM &app_schema';
    END IF;
  EXCEPTION
    WHEN OTHERS THEN
      IF SQLCODE NOT IN (-1927, -1952) THEN RAISE; END IF;
  END revoke_given;
BEGIN
  revoke_given('EXECUTE ON DBMS_CHANGE_NOTIFICATION');
  revoke_given('CHANGE NOTIFICATION');
END;
/

-- The ACEs dcn appended, as R__00_network_acl listed them (read with dynamic SQL: the list may
-- not exist). Without it and without V1's list, dcn 0.1 set the database up: its ACE for the
-- callback's host and port goes, as dcn 0.1's U1 removed it.
DECLARE
  TYPE t_hosts IS TABLE OF VARCHAR2(1000);
  TYPE t_ports IS TABLE OF NUMBER;
  l_hosts   t_hosts := t_hosts();
  l_ports   t_ports := t_ports();
  l_v1_list NUMBER;
  l_there   NUMBER;
BEGIN
  BEGIN
    EXECUTE IMMEDIATE 'SELECT host, port FROM &app_schema..dcn_given_aces' BULK COLLECT INTO l_hosts, l_ports;
  EXCEPTION
    WHEN OTHERS THEN
      IF SQLCODE != -942 THEN RAISE; END IF;
      SELECT COUNT(*) INTO l_v1_list FROM dba_tables WHERE owner = '&app_schema' AND table_name = 'DCN_HELD_BEFORE';
      IF l_v1_list = 0 THEN
        l_hosts := t_hosts('&callback_host');
        l_ports := t_ports(&callback_port);
      END IF;
  END;
  FOR i IN 1 .. l_hosts.COUNT LOOP
    SELECT COUNT(*) INTO l_there FROM dba_host_aces
     WHERE LOWER(host) = LOWER(l_hosts(i)) AND lower_port = l_ports(i) AND upper_port = l_ports(i)
       AND principal = '&app_schema' AND UPPER(privilege) = 'CONNECT' AND grant_type = 'GRANT';
    IF l_there > 0 THEN
      DBMS_NETWORK_ACL_ADMIN.REMOVE_HOST_ACE(
        host             => l_hosts(i),
        lower_port       => l_ports(i),
        upper_port       => l_ports(i),
        ace              => xs$ace_type(privilege_list => xs$name_list('connect'),
                                        principal_name => '&app_schema',
                                        principal_type => xs_acl.ptype_db),
        remove_empty_acl => TRUE);
    END IF;
  END LOOP;
END;
/

-- the lists themselves (none in a database set up by dcn 0.1)
BEGIN
  EXECUTE IMMEDIATE 'DROP TABLE &app_schema..dcn_given_aces';
EXCEPTION
  WHEN OTHERS THEN
    IF SQLCODE != -942 THEN RAISE; END IF;
END;
/

BEGIN
  EXECUTE IMMEDIATE 'DROP TABLE &app_schema..dcn_held_before';
EXCEPTION
  WHEN OTHERS THEN
    IF SQLCODE != -942 THEN RAISE; END IF;
END;
/
