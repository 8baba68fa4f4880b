DROP TABLE nfresults PURGE;
