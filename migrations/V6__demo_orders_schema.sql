-- dcn: when=demo_schema
--
-- Optional, off by default (dcn migrate --with-demo-schema): a minimal ORDERS and ORDER_ITEMS
-- with the column types of the OE sample schema and a few rows, among them the article's
-- order 2408. For databases without OE: it is archived, and needs Spatial, which slim images lack.
CREATE TABLE &orders_table (
  order_id     NUMBER(12)  CONSTRAINT &orders_table._pk PRIMARY KEY,
  order_date   TIMESTAMP WITH LOCAL TIME ZONE NOT NULL,
  order_mode   VARCHAR2(8) CONSTRAINT &orders_table._mode_ck CHECK (order_mode IN ('direct', 'online')),
  customer_id  NUMBER(6)   NOT NULL,
  order_status NUMBER(2),
  order_total  NUMBER(8,2) CONSTRAINT &orders_table._total_ck CHECK (order_total >= 0),
  sales_rep_id NUMBER(6),
  promotion_id NUMBER(6)
);

CREATE TABLE &order_items_table (
  order_id     NUMBER(12) NOT NULL,
  line_item_id NUMBER(3)  NOT NULL,
  product_id   NUMBER(6)  NOT NULL,
  unit_price   NUMBER(8,2),
  quantity     NUMBER(8),
  CONSTRAINT &order_items_table._pk PRIMARY KEY (order_id, line_item_id),
  CONSTRAINT &order_items_table._order_fk FOREIGN KEY (order_id) REFERENCES &orders_table (order_id) ON DELETE CASCADE,
  CONSTRAINT &order_items_table._product_uk UNIQUE (order_id, product_id)
);

INSERT INTO &orders_table VALUES (2408, TIMESTAMP '2007-06-29 15:41:20', 'direct', 166, 1, 309, 158, NULL);
INSERT INTO &orders_table VALUES (2409, TIMESTAMP '2007-06-29 16:10:09', 'direct', 167, 2, 48.4, 154, NULL);
INSERT INTO &orders_table VALUES (2410, TIMESTAMP '2007-05-24 10:22:10', 'direct', 168, 6, 45175, 156, NULL);
INSERT INTO &order_items_table VALUES (2408, 1, 2751, 61, 3);
INSERT INTO &order_items_table VALUES (2408, 2, 2761, 26, 1);
INSERT INTO &order_items_table VALUES (2408, 3, 2783, 10, 10);
INSERT INTO &order_items_table VALUES (2409, 1, 2810, 6, 3);
INSERT INTO &order_items_table VALUES (2409, 2, 2870, 4.4, 7);
INSERT INTO &order_items_table VALUES (2410, 1, 2976, 46, 5);
