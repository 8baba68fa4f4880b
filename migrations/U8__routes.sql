-- Undoes V8: no routes, and nfresults without the key values of calls.
--
-- SET UNUSED, not DROP COLUMN: nfresults only grows, and DROP COLUMN rewrites every row of it
-- while it holds the table's lock, so the callback's log rows (and the notifications that write
-- them) wait for as long as that takes. SET UNUSED changes only the dictionary: the column is
-- gone at once for every statement, and its name is free for V8 again. Its bytes stay in the
-- rows until a DBA runs ALTER TABLE nfresults DROP UNUSED COLUMNS at a quiet time, or the rows
-- are deleted (Oracle Database SQL Language Reference, ALTER TABLE, "drop_column_clause").
ALTER TABLE nfresults SET UNUSED (key_values);
DROP TABLE dcn_routes PURGE;

-- sendNotification and orders_nf_callback name V8's objects only in dynamic SQL, so they stay
-- valid without them; a release that invalidates every unit naming nfresults when one of its
-- columns goes would leave them INVALID until their next call: compiled here, so that every
-- object dcn installed is VALID after this step (those not installed yet are skipped).
BEGIN
  FOR o IN (SELECT object_name FROM user_objects
             WHERE object_type = 'PROCEDURE' AND status = 'INVALID'
               AND object_name IN ('SENDNOTIFICATION', 'ORDERS_NF_CALLBACK')
             ORDER BY object_name DESC) LOOP
    EXECUTE IMMEDIATE 'ALTER PROCEDURE ' || o.object_name || ' COMPILE';
  END LOOP;
END;
/
