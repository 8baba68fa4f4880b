-- dcn: profile=admin
--
-- Takes back what V1 gave, and nothing else: what &app_schema..dcn_held_before lists was there
-- before dcn and stays. A database set up by dcn 0.1 has no such list: there U1 takes everything
-- back, as dcn 0.1 did. A REVOKE of what is already gone is no failure. JOB_QUEUE_PROCESSES is
-- left as it is: other jobs may depend on it now.
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
  IF NOT held_before('ACE &callback_host:&callback_port') THEN
    DBMS_NETWORK_ACL_ADMIN.REMOVE_HOST_ACE(
      host             => '&callback_host',
      lower_port       => &callback_port,
      upper_port       => &callback_port,
      ace              => xs$ace_type(privilege_list => xs$name_list('connect'),
                                      principal_name => '&app_schema',
                                      principal_type => xs_acl.ptype_db),
      remove_empty_acl => TRUE);
  END IF;
  revoke_given('EXECUTE ON DBMS_CHANGE_NOTIFICATION');
  revoke_given('CHANGE NOTIFICATION');
END;
/

-- the list itself (none in a database set up by dcn 0.1)
BEGIN
  EXECUTE IMMEDIATE 'DROP TABLE &app_schema..dcn_held_before';
EXCEPTION
  WHEN OTHERS THEN
    IF SQLCODE != -942 THEN RAISE; END IF;
END;
/
