-- The notification log. The article's columns (operdate, tblname, rslt_msg), plus what it takes
-- to follow and diagnose it: an identity key to tail by (`dcn tail` reads rows after the last id
-- it printed), the order, the event and operation, the HTTP status, the error text of a failed
-- call, and the registration.
CREATE TABLE nfresults (
  id          NUMBER GENERATED ALWAYS AS IDENTITY,
  operdate    TIMESTAMP WITH TIME ZONE DEFAULT SYSTIMESTAMP NOT NULL,
  tblname     VARCHAR2(261),
  order_id    VARCHAR2(40),
  event       VARCHAR2(20)   NOT NULL,
  operation   VARCHAR2(60),
  status_code NUMBER(3),
  rslt_msg    VARCHAR2(4000),
  error_text  VARCHAR2(4000),
  regid       NUMBER,
  CONSTRAINT nfresults_pk PRIMARY KEY (id)
);

-- "rows for table T since time X" (dcn tail --table T --since X); "rows after id N" uses the key.
CREATE INDEX nfresults_table_time_ix ON nfresults (tblname, operdate);

COMMENT ON TABLE nfresults IS 'dcn: one row per notification call or callback event';
