-- Undoes V8: no routes, and nfresults without the key values of calls.
ALTER TABLE nfresults DROP COLUMN key_values;
DROP TABLE dcn_routes PURGE;
