-- The history statements of `dcn migrate --dry-run`'s script beyond those of `dcn migrate plan`
-- (history.sql: plan.record). A dry run reads the history of a live database, so a migration
-- may already have a row: SQL*Plus substitution variables, quoted and checked by the writer.

-- name: plan.record-again
-- A failed migration resumed, or a repeatable one applied again: its row exists, and says done.
UPDATE &history_table
   SET checksum = '&checksum', script = '&script', operation = 'migrate',
       statements_done = &statements_total, statements_total = &statements_total,
       done_hash = '&done_hash', success = 1, error_text = NULL,
       installed_on = SYSTIMESTAMP, installed_by = USER
 WHERE version = '&version';

-- name: plan.forget
-- An undone migration, or (after migrate down undid one) a repeatable one to apply again.
DELETE FROM &history_table WHERE version = '&version';
