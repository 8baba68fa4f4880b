-- Routes: any registered table, keyed by its own columns. For each table, the columns
-- whose values name its cached results (comma-separated, in the order the URL gives them; NULL:
-- the table has no key, every change is notified at table level), and whether an UPDATE may change
-- them. `dcn register` writes a table's route (its primary key unless told other columns) and
-- `dcn deregister` removes it; orders_nf_callback reads it for every table other than the orders
-- and order items tables, which keep the article's ?order_no=…&table=… contract.
-- The same statements under an earlier wording of these comments count as applied:
-- dcn: accepts=35518f5f6b15d21233355cdb69c3db17a03af17c4fed8690edc809359209733f
CREATE TABLE dcn_routes (
  table_owner   VARCHAR2(128) NOT NULL,
  table_name    VARCHAR2(128) NOT NULL,
  key_columns   VARCHAR2(4000),
  key_immutable VARCHAR2(3)   DEFAULT 'yes' NOT NULL,
  CONSTRAINT dcn_routes_pk PRIMARY KEY (table_owner, table_name),
  CONSTRAINT dcn_routes_immutable_ck CHECK (key_immutable IN ('yes', 'no'))
);

COMMENT ON TABLE dcn_routes IS 'dcn: the key columns of each registered table, read by orders_nf_callback';

-- A call for such a table names its key values, key=…&key=… as sent (escaped), kept with the
-- call so that `dcn replay` sends the same call again.
ALTER TABLE nfresults ADD (key_values VARCHAR2(4000));
