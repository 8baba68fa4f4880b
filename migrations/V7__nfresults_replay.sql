-- dcn replay: a call that failed (the listener was down, say) is sent again, once. replayed_by
-- holds the id of the nfresults row that logs the new call; NULL means "not sent again yet".
-- A failed 'notify' row whose replayed_by is NULL is what `dcn replay` sends and `dcn doctor`
-- counts.
ALTER TABLE nfresults ADD (replayed_by NUMBER);
