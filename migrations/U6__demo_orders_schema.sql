-- dcn: when=demo_schema
DROP TABLE &order_items_table PURGE;
DROP TABLE &orders_table PURGE;
