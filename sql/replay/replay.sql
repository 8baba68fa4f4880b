-- The queries of dcn replay, one per "-- name:" block. All run as the app schema, which owns
-- nfresults and sendNotification.

-- name: replay.failed
-- The next failed calls not sent again yet, oldest first: a 'notify' row without a 2xx status.
-- Read a page at a time after :after_id (keyset on the primary key), so a backlog of any size
-- is read in constant memory.
SELECT id, operdate, tblname, order_id, key_values, operation, regid
  FROM nfresults
 WHERE event = 'notify'
   AND replayed_by IS NULL
   AND (status_code IS NULL OR status_code NOT BETWEEN 200 AND 299)
   AND id > :after_id
   AND id <= :up_to
   AND (:since IS NULL OR operdate >= :since)
   AND (:tbl IS NULL OR tblname = :tbl)
 ORDER BY id
 FETCH FIRST 500 ROWS ONLY;

-- name: replay.last-id
-- The last row when a replay begins: it sends only calls logged before it, never the rows its
-- own calls log (a failed one waits for the next replay).
SELECT NVL(MAX(id), 0) AS last_id FROM nfresults;

-- name: replay.send
-- Sends one failed call again through sendNotification (with its key values, for a table routed
-- by its own key; a batch, operation 'batch', as the POST of the same body), which calls the URL, logs the new call and returns that log row's id; then
-- marks the failed row with it, unless another replay marked it first. The id comes from the
-- INSERT itself (RETURNING): a search of the log could find another session's row (identity
-- values commit out of order, on RAC certainly) or none (a long URL cuts the message). Sent,
-- then marked: a crash in between sends it once more next time, a second drop of the same
-- results, which is harmless; marked first, it could be lost.
DECLARE
  l_new NUMBER;
BEGIN
  sendNotification(:url, :tblname, :order_id, :regid, :note, :key_values, l_new, :batch);
  IF l_new IS NULL THEN
    RAISE_APPLICATION_ERROR(-20001, 'sendNotification could not log the call it made: see dcn doctor');
  END IF;
  UPDATE nfresults SET replayed_by = l_new WHERE id = :id AND replayed_by IS NULL;
  :marked := SQL%ROWCOUNT;
  SELECT status_code INTO :status FROM nfresults WHERE id = l_new;
  :new_id := l_new;
  COMMIT;
END;
/

-- name: replay.pending
-- How many failed calls are not sent again yet, and since when (dcn doctor).
SELECT COUNT(*) AS failed, MIN(operdate) AS since
  FROM nfresults
 WHERE event = 'notify'
   AND replayed_by IS NULL
   AND (status_code IS NULL OR status_code NOT BETWEEN 200 AND 299);
