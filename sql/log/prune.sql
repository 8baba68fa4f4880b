-- The queries of dcn log prune, one per "-- name:" block. All run as the app schema, which owns
-- nfresults. The rows to prune: logged before :older_than, and with :keep_failed = 1 not a
-- failed call that is not sent again yet (what dcn replay would send).

-- name: prune.range
-- How many rows to prune, and the lowest and highest id among them: the batches walk the ids
-- from one to the other.
SELECT COUNT(*) AS rows_to_prune, NVL(MIN(id), 0) AS first_id, NVL(MAX(id), 0) AS last_id
  FROM nfresults
 WHERE operdate < :older_than
   AND (:keep_failed = 0
        OR NOT (event = 'notify' AND replayed_by IS NULL AND (status_code IS NULL OR status_code NOT BETWEEN 200 AND 299)));

-- name: prune.batch
-- One batch: the rows to prune among the ids after :after_id up to :up_to, found by the primary
-- key (a range of ids, never a scan of the whole log per batch); the caller commits each batch,
-- so the undo of one DELETE stays bounded by the range.
DELETE FROM nfresults
 WHERE id > :after_id
   AND id <= :up_to
   AND operdate < :older_than
   AND (:keep_failed = 0
        OR NOT (event = 'notify' AND replayed_by IS NULL AND (status_code IS NULL OR status_code NOT BETWEEN 200 AND 299)));
