-- Calls the application's callback URL, <url>?order_no=<id>&table=<table>, and logs the outcome
-- in nfresults: the HTTP status and reason, or the error (ORA-24247 when the network ACL is
-- missing, ORA-29273 with the details of a refused or timed-out call).
--
-- Unlike the 2006 article's version it escapes the values, bounds the call with a transfer
-- timeout, always ends the response (also after an error, so no connection leaks), sends the
-- optional shared token in a header, and never raises: a failed notification must not break
-- the callback, and it is always in the log.
--
-- order_id NULL makes a table-level notification: no order_no parameter, the listener drops every
-- cached result of that table. "note" says why, in the log. key_values, for a table routed by its
-- own key (V8), is the escaped key=…&key=… the callback made: <url>?table=<table>&key=…; it is
-- logged with the call, so `dcn replay` can send the same call again. key_values is V8's column:
-- it is named only in dynamic SQL, so that undoing V8 leaves this procedure valid (a unit that
-- names a dropped column statically is invalid, and every call of it fails with ORA-04063).
--
-- batch, when given, makes one call for many keys of one table (the callback's default, the
-- callbackCalls setting): POST <url>?table=<table>, the body one line per order or key,
-- "order_no=…" or "key=…&key=…", escaped as in a URL. The body is logged whole in key_values
-- (the callback keeps each batch within the column's 4000 bytes), so `dcn replay` sends the same
-- call again. It comes after logged_id, with a default: a caller that passes the first seven by
-- position, as dcn replay before batches did, still compiles.
--
-- logged_id returns the id of the log row of this call (INSERT … RETURNING): `dcn replay` marks
-- the failed call with it. Searching the log for the row instead finds the wrong one, or none:
-- identity values of concurrent sessions commit out of order, and a long message is cut.
CREATE OR REPLACE PROCEDURE sendNotification (
  url      IN VARCHAR2,
  tblname  IN VARCHAR2,
  order_id IN VARCHAR2 DEFAULT NULL,
  regid    IN NUMBER   DEFAULT NULL,
  note     IN VARCHAR2 DEFAULT NULL,
  key_values IN VARCHAR2 DEFAULT NULL,
  logged_id  OUT NUMBER,
  batch      IN VARCHAR2 DEFAULT NULL
) IS
  c_token   CONSTANT VARCHAR2(128) := '&callback_token';
  c_timeout CONSTANT PLS_INTEGER   := &http_timeout;
  c_amp     CONSTANT VARCHAR2(1)   := CHR(38); -- '&', kept out of the script for SQL*Plus
  -- Large enough for any value they are given; cut to the columns' bytes (SUBSTRB) only when
  -- logged: VARCHAR2 counts bytes, and SUBSTR counts characters (ORA-12899 on multibyte text).
  l_url       VARCHAR2(32767);
  l_req       UTL_HTTP.REQ;
  l_resp      UTL_HTTP.RESP;
  l_have_req  BOOLEAN := FALSE;
  l_have_resp BOOLEAN := FALSE;
  l_status    PLS_INTEGER;
  l_message   VARCHAR2(32767);
  l_error     VARCHAR2(32767);
  l_operation CONSTANT VARCHAR2(5) := CASE WHEN batch IS NOT NULL THEN 'batch' WHEN order_id IS NOT NULL THEN 'order' WHEN key_values IS NOT NULL THEN 'key' ELSE 'table' END;

  -- An autonomous transaction: the log row is kept whatever the caller does next.
  PROCEDURE log_result IS
    PRAGMA AUTONOMOUS_TRANSACTION;
  BEGIN
    IF sendNotification.key_values IS NULL AND sendNotification.batch IS NULL THEN
      -- the parameters are qualified: nfresults has columns of the same names
      INSERT INTO nfresults (tblname, order_id, event, operation, status_code, rslt_msg, error_text, regid)
      VALUES (SUBSTRB(sendNotification.tblname, 1, 261), SUBSTRB(sendNotification.order_id, 1, 40), 'notify',
              l_operation, l_status, SUBSTRB(l_message, 1, 4000), SUBSTRB(l_error, 1, 4000), sendNotification.regid)
      RETURNING id INTO sendNotification.logged_id;
    ELSE
      -- a call with key values (V8), or a batch (its body): the column only in dynamic SQL, the
      -- values bound in order
      EXECUTE IMMEDIATE 'INSERT INTO nfresults (tblname, order_id, event, operation, status_code, rslt_msg, error_text, regid, key_values) '
                     || 'VALUES (:tblname, :order_id, ''notify'', :operation, :status_code, :rslt_msg, :error_text, :regid, :key_values) '
                     || 'RETURNING id INTO :logged_id'
        USING SUBSTRB(sendNotification.tblname, 1, 261), SUBSTRB(sendNotification.order_id, 1, 40),
              l_operation, l_status, SUBSTRB(l_message, 1, 4000), SUBSTRB(l_error, 1, 4000), sendNotification.regid,
              SUBSTRB(NVL(sendNotification.batch, sendNotification.key_values), 1, 4000)
        RETURNING INTO sendNotification.logged_id;
    END IF;
    COMMIT;
  END log_result;
BEGIN
  l_url := url
        || CASE WHEN INSTR(url, '?') > 0 THEN c_amp ELSE '?' END
        || CASE WHEN order_id IS NOT NULL THEN 'order_no=' || UTL_URL.ESCAPE(order_id, TRUE) || c_amp END
        || 'table=' || UTL_URL.ESCAPE(tblname, TRUE)
        || CASE WHEN key_values IS NOT NULL AND batch IS NULL THEN c_amp || key_values END;

  -- The transfer timeout bounds waiting for the answer, not the TCP connect: a host that drops
  -- packets holds this job for the operating system's connect timeout (UTL_HTTP,
  -- https://docs.oracle.com/en/database/oracle/oracle-database/19/arpls/UTL_HTTP.html).
  UTL_HTTP.SET_TRANSFER_TIMEOUT(c_timeout);
  l_req := UTL_HTTP.BEGIN_REQUEST(l_url, CASE WHEN batch IS NOT NULL THEN 'POST' ELSE 'GET' END, UTL_HTTP.HTTP_VERSION_1_1);
  l_have_req := TRUE;
  UTL_HTTP.SET_HEADER(l_req, 'User-Agent', 'dcn-sendNotification');
  IF c_token IS NOT NULL THEN
    UTL_HTTP.SET_HEADER(l_req, 'X-Dcn-Token', c_token);
  END IF;
  IF batch IS NOT NULL THEN
    -- the body is escaped text, ASCII only: its length in bytes is its length in characters
    UTL_HTTP.SET_HEADER(l_req, 'Content-Type', 'text/plain; charset=us-ascii');
    UTL_HTTP.SET_HEADER(l_req, 'Content-Length', TO_CHAR(LENGTHB(batch)));
    UTL_HTTP.WRITE_TEXT(l_req, batch);
  END IF;

  l_resp := UTL_HTTP.GET_RESPONSE(l_req);
  l_have_req := FALSE; -- GET_RESPONSE ends the request
  l_have_resp := TRUE;
  l_status := l_resp.status_code;
  l_message := l_resp.status_code || ' ' || l_resp.reason_phrase || CASE WHEN note IS NOT NULL THEN ' (' || note || ')' END;
  UTL_HTTP.END_RESPONSE(l_resp);
  l_have_resp := FALSE;
  log_result;
EXCEPTION
  WHEN OTHERS THEN
    l_error := SQLERRM || CASE WHEN UTL_HTTP.GET_DETAILED_SQLCODE <> SQLCODE THEN ': ' || UTL_HTTP.GET_DETAILED_SQLERRM END;
    l_message := 'call failed: ' || l_url || CASE WHEN note IS NOT NULL THEN ' (' || note || ')' END;
    IF l_have_resp THEN
      BEGIN
        UTL_HTTP.END_RESPONSE(l_resp);
      EXCEPTION
        WHEN OTHERS THEN NULL;
      END;
    ELSIF l_have_req THEN
      BEGIN
        UTL_HTTP.END_REQUEST(l_req);
      EXCEPTION
        WHEN OTHERS THEN NULL;
      END;
    END IF;
    BEGIN
      log_result;
    EXCEPTION
      WHEN OTHERS THEN NULL; -- nothing left to tell: never raise out of a notification
    END;
END sendNotification;
/
