-- A SQL collection of row descriptors: lets orders_nf_callback join the ROWIDs of a notification
-- to the table in one query (SYS.CHNF$_RDESC_ARRAY is a VARRAY, which SQL cannot use as a table).
CREATE OR REPLACE TYPE rdesc_tab AS TABLE OF SYS.CHNF$_RDESC;
/
