-- Undoes V7: nfresults as V2 made it.
ALTER TABLE nfresults DROP COLUMN replayed_by;
