-- Undoes V7: nfresults as V2 made it.
--
-- SET UNUSED, not DROP COLUMN, for the reason U8 gives: DROP COLUMN rewrites every row of a log
-- that only grows, under the table's lock; SET UNUSED changes only the dictionary.
ALTER TABLE nfresults SET UNUSED (replayed_by);

-- As in U8: compiled again if this release invalidated them when the column went.
BEGIN
  FOR o IN (SELECT object_name FROM user_objects
             WHERE object_type = 'PROCEDURE' AND status = 'INVALID'
               AND object_name IN ('SENDNOTIFICATION', 'ORDERS_NF_CALLBACK')
             ORDER BY object_name DESC) LOOP
    EXECUTE IMMEDIATE 'ALTER PROCEDURE ' || o.object_name || ' COMPILE';
  END LOOP;
END;
/
