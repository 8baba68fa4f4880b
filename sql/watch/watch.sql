-- The statements of dcn watch, one per "-- name:" block. The only substituted text is made by
-- dcn: &table is "OWNER"."TABLE" and &key_list is TO_CHAR(t."COL1") AS k1, TO_CHAR(t."COL2") AS k2 …,
-- from names it read from the dictionary or checked itself, each in double quotes. Values are
-- bound: :rowids is one collection of ROWIDs (SYS.ODCIVARCHAR2LIST).

-- name: watch.subscribe
-- The query a subscription registers for one table: the objects it reads are what the
-- subscription covers (a query that reads no row of the table might register nothing).
SELECT ROWID FROM &table WHERE ROWNUM = 1;

-- name: watch.keys
-- The keys of the changed rows of one table, looked up by ROWID in one statement for all the rows
-- of a notification (Oracle sends ALL_ROWS instead of ROWIDs long before a thousand). A row no
-- longer there comes back without FOUND, and its table's results are all dropped. The hints make
-- the few bound ROWIDs drive a nested loop, so each row is read by its ROWID, never the table
-- scanned (Oracle Database SQL Language Reference, "Comments": LEADING, USE_NL).
SELECT /*+ LEADING(r) USE_NL(t) */ r.rid, ROWIDTOCHAR(t.ROWID) AS found, &key_list
  FROM (SELECT COLUMN_VALUE AS rid FROM TABLE(:rowids)) r
  LEFT JOIN &table t ON t.ROWID = CHARTOROWID(r.rid);
