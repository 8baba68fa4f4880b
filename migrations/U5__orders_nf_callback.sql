DROP PROCEDURE orders_nf_callback;
