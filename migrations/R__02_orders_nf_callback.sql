-- The notification callback: Oracle calls it (in a job queue process) with a description of
-- each committed change to the registered tables. For ORDERS and ORDER_ITEMS it calls
-- sendNotification for the changed orders, and fixes what the 2006 article's final version gets
-- wrong on a real database:
--   - one call per table per notification (the callbackCalls setting, batch by default): all the
--     orders (or keys) of a table in one POST, a line each, logged in one row; a batch is cut
--     only where it would outgrow the 4000 bytes its log row holds. callbackCalls=per-key keeps
--     the article's contract, one GET ?order_no=…&table=… per order, for its dropResults.php;
--   - the calls of one notification share one HTTP 1.1 persistent connection, closed at its end
--     (UTL_HTTP.SET_PERSISTENT_CONN_SUPPORT, Oracle Database PL/SQL Packages and Types Reference,
--     https://docs.oracle.com/en/database/oracle/oracle-database/19/arpls/UTL_HTTP.html);
--   - opflags is a bit mask (ALL_ROWS is combined with the operation): tested with BITAND;
--   - ALL_ROWS (too many rows changed, or the registration did not ask for ROWIDs) and a
--     notification without ROWIDs become one table-level notification, not silence;
--   - deleted rows cannot be looked up by ROWID (the article's SELECT INTO raised NO_DATA_FOUND):
--     they, and any row no longer found, become one table-level notification;
--   - each distinct order named once per table per notification, however many rows changed;
--   - an UPDATE of ORDER_ITEMS may move an item to another order, and the notification names
--     only the row as it is now: the old order's cached items would stay stale for good. So it is
--     notified at table level, unless the orderItemsKeyImmutable setting says items never move;
--   - DROP and ALTER of a registered table are logged, and notified at table level;
--   - any other table is routed by its row in dcn_routes (V8, written by dcn register): one call
--     per distinct key, ?table=<table>&key=…&key=… (one key per key column, in the route's order),
--     the keys looked up by ROWID in one statement per table per notification; a table with no
--     route or no key columns gets table-level notifications, and an UPDATE of a table whose key
--     may change (key_immutable = 'no') too, as for ORDER_ITEMS;
--   - a NULL key value names no cached result: that table's call is table-level;
--   - each table of a notification is handled in a block of its own: an error there (a lookup
--     the schema may not read, say) is logged with its error and that table gets a table-level
--     call; the other tables of the notification go on;
--   - table names are compared as the dictionary stores them (a quoted "MyTable" arrives so);
--   - other events (startup, shutdown, deregistration, …) are logged, not ignored;
--   - nothing raises out of the callback: an error is logged in nfresults.
-- The tables are named in dynamic SQL, so this compiles before they exist (and with the demo
-- schema or the OE sample schema alike); so is V8's dcn_routes, so that undoing V8 leaves this
-- procedure valid (a unit that names a dropped table statically is invalid, and every call of
-- it fails with ORA-04063 before any handler in it runs).
CREATE OR REPLACE PROCEDURE orders_nf_callback (ntfnds IN SYS.CHNF$_DESC) IS
  c_url         CONSTANT VARCHAR2(2000) := '&callback_url';
  c_orders      CONSTANT VARCHAR2(261)  := '&app_schema..&orders_table';
  c_order_items CONSTANT VARCHAR2(261)  := '&app_schema..&order_items_table';
  -- ORDERS is keyed by its primary key, taken as immutable; ORDER_ITEMS by ORDER_ID, which an
  -- UPDATE can change unless the setting orderItemsKeyImmutable says it never does.
  c_items_key_fixed CONSTANT BOOLEAN := '&order_items_key_immutable' = 'yes';
  -- batch: one call per table per notification; per-key: the article's one call per order or key
  c_batch       CONSTANT BOOLEAN := '&callback_calls' = 'batch';
  -- a batch is logged whole in nfresults.key_values, VARCHAR2(4000): no batch is longer
  c_batch_bytes CONSTANT PLS_INTEGER := 4000;
  c_lf          CONSTANT VARCHAR2(1) := CHR(10); -- ends each line of a batch but the last

  TYPE t_rowids IS TABLE OF VARCHAR2(2000); -- CHNF$_RDESC.row_id
  TYPE t_ids    IS TABLE OF VARCHAR2(40);
  TYPE t_seen   IS TABLE OF BOOLEAN INDEX BY VARCHAR2(40);
  TYPE t_keys   IS TABLE OF VARCHAR2(32767);
  TYPE t_flags  IS TABLE OF NUMBER;
  TYPE t_seen_keys IS TABLE OF BOOLEAN INDEX BY VARCHAR2(32767);
  -- separates a row's key values in the lookup's result: a control character no key holds
  c_key_sep     CONSTANT VARCHAR2(1) := CHR(31);
  c_amp         CONSTANT VARCHAR2(1) := CHR(38); -- '&', kept out of the script for SQL*Plus

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

  -- OWNER.TABLE without its owner, as the URL names the table.
  FUNCTION short_name (p_table VARCHAR2) RETURN VARCHAR2 IS
  BEGIN
    RETURN SUBSTR(p_table, INSTR(p_table, '.') + 1);
  END short_name;

  -- One call of the callback URL (sendNotification logs it, and never raises).
  PROCEDURE call_url (p_table VARCHAR2, p_order VARCHAR2 DEFAULT NULL, p_note VARCHAR2 DEFAULT NULL, p_keys VARCHAR2 DEFAULT NULL, p_batch VARCHAR2 DEFAULT NULL) IS
    l_logged NUMBER;
  BEGIN
    sendNotification(url => c_url, tblname => p_table, order_id => p_order, regid => ntfnds.registration_id,
                     note => p_note, key_values => p_keys, logged_id => l_logged, batch => p_batch);
  END call_url;

  -- One line of a table's batch ("order_no=…", or "key=…" once per key column): the batch is sent first when the
  -- line would make it longer than its log row holds. A line longer than that alone (keys of very
  -- long values) is sent as a call of its own, as per-key does.
  PROCEDURE add_to_batch (p_table VARCHAR2, p_batch IN OUT NOCOPY VARCHAR2, p_line VARCHAR2) IS
  BEGIN
    IF LENGTHB(p_line) > c_batch_bytes THEN
      call_url(p_table, p_keys => p_line);
      RETURN;
    END IF;
    IF p_batch IS NOT NULL AND LENGTHB(p_batch) + LENGTHB(p_line) >= c_batch_bytes THEN
      call_url(p_table, p_batch => p_batch);
      p_batch := NULL;
    END IF;
    p_batch := p_batch || CASE WHEN p_batch IS NOT NULL THEN c_lf END || p_line;
  END add_to_batch;

  -- What add_to_batch has not sent yet: the last (often the only) call of the table.
  PROCEDURE end_batch (p_table VARCHAR2, p_batch VARCHAR2) IS
  BEGIN
    IF p_batch IS NOT NULL THEN
      call_url(p_table, p_batch => p_batch);
    END IF;
  END end_batch;

  -- One table of the notification: p_table is c_orders or c_order_items, never outside text.
  PROCEDURE notify_table (p_table VARCHAR2, p_tdesc SYS.CHNF$_TDESC) IS
    l_short   CONSTANT VARCHAR2(128) := short_name(p_table);
    l_rows    rdesc_tab := rdesc_tab();
    l_row_ids t_rowids;
    l_orders  t_ids;
    l_seen    t_seen;
    l_order   VARCHAR2(40);
    l_why     VARCHAR2(200);
    l_batch   VARCHAR2(4000);
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
        -- the hint: a collection has no statistics, and the optimizer takes it for 8168 rows and
        -- may scan the whole table for each notification; a few rows keep the ROWID access
        EXECUTE IMMEDIATE
          'SELECT /*+ CARDINALITY(d 10) */ d.row_id, TO_CHAR(t.order_id) FROM TABLE(CAST(:changed_rows AS rdesc_tab)) d '
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
      call_url(l_short, p_note => l_why);
    ELSE
      l_order := l_seen.FIRST;
      WHILE l_order IS NOT NULL LOOP
        IF c_batch THEN
          add_to_batch(l_short, l_batch, 'order_no=' || UTL_URL.ESCAPE(l_order, TRUE));
        ELSE
          call_url(l_short, p_order => l_order);
        END IF;
        l_order := l_seen.NEXT(l_order);
      END LOOP;
      end_batch(l_short, l_batch);
    END IF;
  END notify_table;

  -- "key=v1", "key=v2" … joined by c_amp, from the values the lookup joined with c_key_sep, each
  -- escaped for the URL. INSTR of NULL is NULL, never 0: the loop ends on NULL too.
  FUNCTION key_query (p_values VARCHAR2) RETURN VARCHAR2 IS
    l_query VARCHAR2(32767);
    l_from  PLS_INTEGER := 1;
    l_to    PLS_INTEGER;
  BEGIN
    LOOP
      l_to := INSTR(p_values, c_key_sep, l_from);
      l_query := l_query || CASE WHEN l_query IS NOT NULL THEN c_amp END || 'key='
                 || UTL_URL.ESCAPE(SUBSTR(p_values, l_from, CASE WHEN l_to > 0 THEN l_to - l_from ELSE LENGTH(p_values) + 1 - l_from END), TRUE);
      EXIT WHEN NVL(l_to, 0) = 0;
      l_from := l_to + 1;
    END LOOP;
    RETURN l_query;
  END key_query;

  -- A table other than orders and order items: routed by its row in dcn_routes. Its owner, name
  -- and key columns are quoted by DBMS_ASSERT before they reach the lookup's text (dcn checked
  -- them when it wrote the route); the ROWIDs are bound. The name is the dictionary's, in its
  -- case: dcn_routes holds it so.
  PROCEDURE notify_routed (p_tdesc SYS.CHNF$_TDESC) IS
    l_table   CONSTANT VARCHAR2(261) := p_tdesc.table_name;
    l_owner   CONSTANT VARCHAR2(128) := SUBSTR(l_table, 1, INSTR(l_table, '.') - 1);
    l_short   CONSTANT VARCHAR2(128) := short_name(l_table);
    l_columns VARCHAR2(4000);
    l_fixed   VARCHAR2(3);
    l_unrouted VARCHAR2(100);
    l_column  VARCHAR2(300);
    l_select  VARCHAR2(32767);
    l_nullable VARCHAR2(32767);
    l_from    PLS_INTEGER := 1;
    l_to      PLS_INTEGER;
    l_rows    rdesc_tab := rdesc_tab();
    l_found   t_rowids;
    l_values  t_keys;
    l_nulls   t_flags;
    l_seen    t_seen_keys;
    l_key     VARCHAR2(32767);
    l_why     VARCHAR2(200);
    l_batch   VARCHAR2(4000);
  BEGIN
    -- dynamic SQL: dcn_routes is V8's, and may be gone (V8 undone)
    BEGIN
      EXECUTE IMMEDIATE 'SELECT key_columns, key_immutable FROM dcn_routes WHERE table_owner = :table_owner AND table_name = :table_name'
        INTO l_columns, l_fixed
        USING l_owner, l_short;
    EXCEPTION
      WHEN NO_DATA_FOUND THEN
        l_unrouted := 'no route for this table: dcn register writes one';
      WHEN OTHERS THEN
        IF SQLCODE != -942 THEN RAISE; END IF; -- ORA-00942: no dcn_routes
        l_unrouted := 'no routes table: dcn migrate creates dcn_routes';
    END;

    IF BITAND(p_tdesc.opflags, DBMS_CHANGE_NOTIFICATION.DROPOP + DBMS_CHANGE_NOTIFICATION.ALTEROP) <> 0 THEN
      l_why := 'table ' || operation_names(BITAND(p_tdesc.opflags, DBMS_CHANGE_NOTIFICATION.DROPOP + DBMS_CHANGE_NOTIFICATION.ALTEROP));
      log_event(l_table, 'objchange', operation_names(p_tdesc.opflags), l_why || ': check the registration (dcn regs)');
    ELSIF l_unrouted IS NOT NULL THEN
      l_why := l_unrouted;
    ELSIF l_columns IS NULL THEN
      l_why := 'the route names no key columns';
    ELSIF BITAND(p_tdesc.opflags, DBMS_CHANGE_NOTIFICATION.ALL_ROWS) <> 0 OR p_tdesc.row_desc_array IS NULL THEN
      l_why := 'all rows: ' || NVL(TO_CHAR(p_tdesc.numrows), 'unknown') || ' row(s) changed, no ROWIDs';
    ELSE
      FOR j IN 1 .. p_tdesc.row_desc_array.COUNT LOOP
        IF BITAND(p_tdesc.row_desc_array(j).opflags, DBMS_CHANGE_NOTIFICATION.DELETEOP) <> 0 THEN
          l_why := 'rows deleted: their keys cannot be looked up';
        ELSIF l_fixed <> 'yes' AND BITAND(p_tdesc.row_desc_array(j).opflags, DBMS_CHANGE_NOTIFICATION.UPDATEOP) <> 0 THEN
          l_why := 'rows updated: an update may have changed a key, whose old value it does not name';
        ELSE
          l_rows.EXTEND;
          l_rows(l_rows.LAST) := p_tdesc.row_desc_array(j);
        END IF;
      END LOOP;
      IF l_why IS NULL AND l_rows.COUNT > 0 THEN
        -- TO_CHAR(t."COL1") || CHR(31) || TO_CHAR(t."COL2") …, in the route's order, and
        -- t."COL1" IS NULL OR t."COL2" IS NULL …: a NULL key value (Oracle stores '' as NULL too)
        -- names no cached result
        LOOP
          l_to := INSTR(l_columns, ',', l_from);
          l_column := 't.' || DBMS_ASSERT.ENQUOTE_NAME(SUBSTR(l_columns, l_from, CASE WHEN l_to > 0 THEN l_to - l_from ELSE LENGTH(l_columns) + 1 - l_from END), FALSE);
          l_select := l_select || CASE WHEN l_select IS NOT NULL THEN ' || CHR(31) || ' END || 'TO_CHAR(' || l_column || ')';
          l_nullable := l_nullable || CASE WHEN l_nullable IS NOT NULL THEN ' OR ' END || l_column || ' IS NULL';
          EXIT WHEN NVL(l_to, 0) = 0;
          l_from := l_to + 1;
        END LOOP;
        -- one statement for all the changed rows of the table, however many; the hint as in
        -- notify_table (ROWID access, not a full scan)
        EXECUTE IMMEDIATE
          'SELECT /*+ CARDINALITY(d 10) */ ROWIDTOCHAR(t.ROWID), ' || l_select || ', CASE WHEN ' || l_nullable || ' THEN 1 ELSE 0 END'
          || ' FROM TABLE(CAST(:changed_rows AS rdesc_tab)) d '
          || 'LEFT JOIN ' || DBMS_ASSERT.ENQUOTE_NAME(l_owner, FALSE) || '.' || DBMS_ASSERT.ENQUOTE_NAME(l_short, FALSE)
          || ' t ON t.ROWID = CHARTOROWID(d.row_id)'
          BULK COLLECT INTO l_found, l_values, l_nulls
          USING l_rows;
        FOR k IN 1 .. l_found.COUNT LOOP
          IF l_found(k) IS NULL THEN
            l_why := 'a changed row is no longer there: its key cannot be looked up';
          ELSIF l_nulls(k) <> 0 THEN
            l_why := 'a changed row has a NULL key value, which names no cached result';
          ELSE
            l_seen(key_query(l_values(k))) := TRUE;
          END IF;
        END LOOP;
      END IF;
    END IF;

    IF l_why IS NOT NULL THEN
      call_url(l_short, p_note => l_why);
    ELSE
      l_key := l_seen.FIRST;
      WHILE l_key IS NOT NULL LOOP
        IF c_batch THEN
          add_to_batch(l_short, l_batch, l_key);
        ELSE
          call_url(l_short, p_keys => l_key);
        END IF;
        l_key := l_seen.NEXT(l_key);
      END LOOP;
      end_batch(l_short, l_batch);
    END IF;
  END notify_routed;

  -- One table of the notification, in a block of its own: whatever fails in it is logged with
  -- its error, and the table gets one table-level call (its cached results are dropped, not kept
  -- stale); the other tables go on. The name is compared as the dictionary stores it.
  PROCEDURE notify_one (p_tdesc SYS.CHNF$_TDESC) IS
    l_error VARCHAR2(4000);
  BEGIN
    CASE p_tdesc.table_name
      WHEN c_orders THEN
        notify_table(c_orders, p_tdesc);
      WHEN c_order_items THEN
        notify_table(c_order_items, p_tdesc);
      ELSE
        notify_routed(p_tdesc);
    END CASE;
  EXCEPTION
    WHEN OTHERS THEN
      l_error := SUBSTRB(SQLERRM, 1, 4000);
      BEGIN
        log_event(p_tdesc.table_name, 'error', operation_names(p_tdesc.opflags), 'failed: notified at table level', l_error || ' ' || DBMS_UTILITY.FORMAT_ERROR_BACKTRACE);
      EXCEPTION
        WHEN OTHERS THEN NULL; -- the call below is logged all the same
      END;
      call_url(short_name(p_tdesc.table_name), p_note => SUBSTRB('after an error: ' || l_error, 1, 200));
  END notify_one;

  -- The calls of one notification reuse one connection to the listener (HTTP 1.1 keep-alive);
  -- without the setting each call opens and closes its own. Closed at the end of the
  -- notification: the job's session outlives it, and the listener closes an idle connection.
  -- Neither may stop a notification: the calls go on without reuse.
  PROCEDURE reuse_connections (p_on BOOLEAN) IS
  BEGIN
    IF NOT p_on THEN
      UTL_HTTP.CLOSE_PERSISTENT_CONNS;
    END IF;
    UTL_HTTP.SET_PERSISTENT_CONN_SUPPORT(p_on, CASE WHEN p_on THEN 1 ELSE 0 END);
  EXCEPTION
    WHEN OTHERS THEN NULL; -- calls without reuse are calls all the same
  END reuse_connections;
BEGIN
  IF ntfnds.event_type = DBMS_CHANGE_NOTIFICATION.EVENT_OBJCHANGE THEN
    reuse_connections(TRUE);
    FOR i IN 1 .. NVL(ntfnds.numtables, 0) LOOP
      notify_one(ntfnds.table_desc_array(i));
    END LOOP;
    reuse_connections(FALSE);
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
    reuse_connections(FALSE);
END orders_nf_callback;
/
