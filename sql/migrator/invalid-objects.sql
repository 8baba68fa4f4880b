-- What dcn migrate runs after its migrations, when the schema holds INVALID objects (the list
-- itself is history.sql's objects.invalid). One "-- name:" block per statement.

-- name: objects.recompile
-- Compiles the connected schema's INVALID objects once, in dependency order. compile_all =>
-- FALSE compiles only the INVALID ones: TRUE would compile VALID ones too, which invalidates
-- what depends on them and discards the package state of every session using them (ORA-04068).
-- The owner may compile its own objects; EXECUTE on DBMS_UTILITY is granted to PUBLIC. A unit
-- that still does not compile stays INVALID, so the caller reads USER_OBJECTS again, as Oracle
-- advises (PL/SQL Packages and Types Reference, DBMS_UTILITY.COMPILE_SCHEMA:
-- https://docs.oracle.com/en/database/oracle/oracle-database/19/arpls/DBMS_UTILITY.html).
BEGIN
  DBMS_UTILITY.COMPILE_SCHEMA(schema => USER, compile_all => FALSE);
END;
/
