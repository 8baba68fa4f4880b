-- The notification callback: Oracle calls it (in a job queue process) with a description of
-- each committed change to the registered tables. For ORDERS and ORDER_ITEMS it calls
-- sendNotification once per changed order, as the 2006 article's final version does, and fixes
-- what that version gets wrong on a real database:
--   - opflags is a bit mask (ALL_ROWS is combined with the operation): tested with BITAND;
--   - ALL_ROWS (too many rows changed, or the registration did not ask for ROWIDs) and a
--     notification without ROWIDs become one table-level notification, not silence;
--   - deleted rows cannot be looked up by ROWID (the article's SELECT INTO raised NO_DATA_FOUND):
--     they, and any row no longer found, become one table-level notification;
--   - one call per distinct order per table per notification, however many rows changed;
--   - an UPDATE of ORDER_ITEMS may move an item to another order, and the notification names
--     only the row as it is now: the old order's cached items would stay stale for good. So it is
--     notified at table level, unless the orderItemsKeyImmutable setting says items never move;
--   - DROP and ALTER of a registered table are logged, and notified at table level;
--   - other events (startup, shutdown, deregistration, …) are logged, not ignored;
--   - nothing raises out of the callback: an error is logged in nfresults.
-- The tables are named in dynamic SQL, so this compiles before they exist (and with the demo
-- schema or the OE sample schema alike).
CREATE OR REPLACE PROCEDURE orders_nf_callback (ntfnds IN SYS.CHNF$_DESC) IS
  c_url         CONSTANT VARCHAR2(2000) := '&callback_url';
  c_orders      CONSTANT VARCHAR2(261)  := '&app_schema..&orders_table';
  c_order_items CONSTANT VARCHAR2(261)  := '&app_schema..&order_items_table';
  -- ORDERS is keyed by its primary key, taken as immutable; ORDER_ITEMS by ORDER_ID, which an
  -- UPDATE can change unless the setting orderItemsKeyImmutable says it never does.
  c_items_key_fixed CONSTANT BOOLEAN := '&order_items_key_immutable' = 'yes';

  TYPE t_rowids IS TABLE OF VARCHAR2(2000); -- CHNF$_RDESC.row_id
  TYPE t_ids    IS TABLE OF VARCHAR2(40);
  TYPE t_seen   IS TABLE OF BOOLEAN INDEX BY VARCHAR2(40);

  PROCEDURE log_event (p_table VARCHAR2, p_event VARCHAR2, p_operation VARCHAR2, p_message VARCHAR2, p_error VARCHAR2 DEFAULT NULL) IS
    PRAGMA AUTONOMOUS_TRANSACTION;
  BEGIN
    INSERT INTO nfresults (tblname, event, operation, rslt_msg, error_text, regid)
    -- SUBSTRB: the columns count bytes; cutting characters could raise ORA-12899 and lose the row
    VALUES (SUBSTRB(p_table, 1, 261), p_event, SUBSTRB(p_operation, 1, 60), SUBSTRB(p_message, 1, 4000), SUBSTRB(p_error, 1, 4000), ntfnds.registration_id);
    COMMIT;
  END log_event;

  FUNCTION operation_names (p_opflags NUMBER) RETURN VARCHAR2 IS
    l_names VARCHAR2(100);
    PROCEDURE add_name (p_bit NUMBER, p_name VARCHAR2) IS
    BEGIN
      IF BITAND(p_opflags, p_bit) <> 0 THEN
        l_names := l_names || CASE WHEN l_names IS NOT NULL THEN ',' END || p_name;
      END IF;
    END add_name;
  BEGIN
    add_name(DBMS_CHANGE_NOTIFICATION.INSERTOP, 'insert');
    add_name(DBMS_CHANGE_NOTIFICATION.UPDATEOP, 'update');
    add_name(DBMS_CHANGE_NOTIFICATION.DELETEOP, 'delete');
    add_name(DBMS_CHANGE_NOTIFICATION.ALTEROP, 'alter');
    add_name(DBMS_CHANGE_NOTIFICATION.DROPOP, 'drop');
    add_name(DBMS_CHANGE_NOTIFICATION.UNKNOWNOP, 'unknown');
    add_name(DBMS_CHANGE_NOTIFICATION.ALL_ROWS, 'all rows');
    RETURN l_names;
  END operation_names;

  FUNCTION event_name (p_event NUMBER) RETURN VARCHAR2 IS
  BEGIN
    RETURN CASE p_event
             WHEN DBMS_CHANGE_NOTIFICATION.EVENT_STARTUP THEN 'startup'
             WHEN DBMS_CHANGE_NOTIFICATION.EVENT_SHUTDOWN THEN 'shutdown'
             WHEN DBMS_CHANGE_NOTIFICATION.EVENT_SHUTDOWN_ANY THEN 'shutdown_any'
             WHEN DBMS_CHANGE_NOTIFICATION.EVENT_DROP_DB THEN 'drop_db'
             WHEN DBMS_CHANGE_NOTIFICATION.EVENT_DEREG THEN 'deregistration'
             WHEN DBMS_CHANGE_NOTIFICATION.EVENT_QUERYCHANGE THEN 'querychange'
             ELSE 'event ' || p_event
           END;
  END event_name;

  -- One table of the notification: p_table is c_orders or c_order_items, never outside text.
  PROCEDURE notify_table (p_table VARCHAR2, p_tdesc SYS.CHNF$_TDESC) IS
    l_short   CONSTANT VARCHAR2(128) := SUBSTR(p_table, INSTR(p_table, '.') + 1);
    l_rows    rdesc_tab := rdesc_tab();
    l_row_ids t_rowids;
    l_orders  t_ids;
    l_seen    t_seen;
    l_order   VARCHAR2(40);
    l_why     VARCHAR2(200);
  BEGIN
    IF BITAND(p_tdesc.opflags, DBMS_CHANGE_NOTIFICATION.DROPOP + DBMS_CHANGE_NOTIFICATION.ALTEROP) <> 0 THEN
      l_why := 'table ' || operation_names(BITAND(p_tdesc.opflags, DBMS_CHANGE_NOTIFICATION.DROPOP + DBMS_CHANGE_NOTIFICATION.ALTEROP));
      log_event(p_table, 'objchange', operation_names(p_tdesc.opflags), l_why || ': check the registration (dcn regs)');
    ELSIF BITAND(p_tdesc.opflags, DBMS_CHANGE_NOTIFICATION.ALL_ROWS) <> 0 OR p_tdesc.row_desc_array IS NULL THEN
      l_why := 'all rows: ' || NVL(TO_CHAR(p_tdesc.numrows), 'unknown') || ' row(s) changed, no ROWIDs';
    ELSE
      FOR j IN 1 .. p_tdesc.row_desc_array.COUNT LOOP
        IF BITAND(p_tdesc.row_desc_array(j).opflags, DBMS_CHANGE_NOTIFICATION.DELETEOP) <> 0 THEN
          l_why := 'rows deleted: their orders cannot be looked up';
        ELSIF p_table = c_order_items AND NOT c_items_key_fixed
              AND BITAND(p_tdesc.row_desc_array(j).opflags, DBMS_CHANGE_NOTIFICATION.UPDATEOP) <> 0 THEN
          l_why := 'items updated: an update may have moved an item from another order, whose results it does not name';
        ELSE
          l_rows.EXTEND;
          l_rows(l_rows.LAST) := p_tdesc.row_desc_array(j);
        END IF;
      END LOOP;
      IF l_why IS NULL AND l_rows.COUNT > 0 THEN
        EXECUTE IMMEDIATE
          'SELECT d.row_id, TO_CHAR(t.order_id) FROM TABLE(CAST(:changed_rows AS rdesc_tab)) d '
          || 'LEFT JOIN ' || p_table || ' t ON t.ROWID = CHARTOROWID(d.row_id)'
          BULK COLLECT INTO l_row_ids, l_orders
          USING l_rows;
        FOR k IN 1 .. l_orders.COUNT LOOP
          IF l_orders(k) IS NULL THEN
            l_why := 'a changed row is no longer there: its order cannot be looked up';
          ELSE
            l_seen(l_orders(k)) := TRUE;
          END IF;
        END LOOP;
      END IF;
    END IF;

    IF l_why IS NOT NULL THEN
      sendNotification(c_url, l_short, NULL, ntfnds.registration_id, l_why);
    ELSE
      l_order := l_seen.FIRST;
      WHILE l_order IS NOT NULL LOOP
        sendNotification(c_url, l_short, l_order, ntfnds.registration_id);
        l_order := l_seen.NEXT(l_order);
      END LOOP;
    END IF;
  END notify_table;
BEGIN
  IF ntfnds.event_type = DBMS_CHANGE_NOTIFICATION.EVENT_OBJCHANGE THEN
    FOR i IN 1 .. NVL(ntfnds.numtables, 0) LOOP
      CASE UPPER(ntfnds.table_desc_array(i).table_name)
        WHEN c_orders THEN
          notify_table(c_orders, ntfnds.table_desc_array(i));
        WHEN c_order_items THEN
          notify_table(c_order_items, ntfnds.table_desc_array(i));
        ELSE
          log_event(ntfnds.table_desc_array(i).table_name, 'objchange', operation_names(ntfnds.table_desc_array(i).opflags),
                    'not a table orders_nf_callback handles: ignored');
      END CASE;
    END LOOP;
  ELSE
    log_event(NULL, event_name(ntfnds.event_type), NULL, 'registration ' || ntfnds.registration_id || ': ' || event_name(ntfnds.event_type));
  END IF;
EXCEPTION
  WHEN OTHERS THEN
    BEGIN
      log_event(NULL, 'error', NULL, 'orders_nf_callback failed', SQLERRM || ' ' || DBMS_UTILITY.FORMAT_ERROR_BACKTRACE);
    EXCEPTION
      WHEN OTHERS THEN NULL; -- never raise out of the callback
    END;
END orders_nf_callback;
/
