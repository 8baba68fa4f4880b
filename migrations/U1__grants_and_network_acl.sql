-- dcn: profile=admin
--
-- Takes back what V1 gave, and nothing else. JOB_QUEUE_PROCESSES is left as it is: other jobs
-- may depend on it now.
BEGIN
  DBMS_NETWORK_ACL_ADMIN.REMOVE_HOST_ACE(
    host             => '&callback_host',
    lower_port       => &callback_port,
    upper_port       => &callback_port,
    ace              => xs$ace_type(privilege_list => xs$name_list('connect'),
                                    principal_name => '&app_schema',
                                    principal_type => xs_acl.ptype_db),
    remove_empty_acl => TRUE);
END;
/

REVOKE EXECUTE ON DBMS_CHANGE_NOTIFICATION FROM &app_schema;
REVOKE CHANGE NOTIFICATION FROM &app_schema;
