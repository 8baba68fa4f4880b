/** The migration history, and the schema's INVALID objects. */
import { firstLine } from '../db/oracle-errors.js';
import { isDcnError } from '../errors.js';
import type { DoctorContext } from './check.js';

export async function checkMigrations({ options, add }: DoctorContext): Promise<void> {
  // the migration history
  try {
    const status = await options.migrator.status();
    const failed = status.migrations.filter((m) => m.state === 'failed');
    const drift = status.migrations.filter((m) => m.state === 'changed' || m.state === 'missing');
    const pending = status.migrations.filter((m) => m.state === 'pending');
    if (failed.length > 0)
      add({
        id: 'migrations',
        status: 'fail',
        summary: `failed: ${failed.map((m) => `V${m.version}`).join(', ')}`,
        fix: 'fix the script and `dcn migrate --resume`, or `dcn migrate repair`',
      });
    else if (drift.length > 0)
      add({
        id: 'migrations',
        status: 'warn',
        summary: `changed since applied: ${drift.map((m) => `V${m.version}`).join(', ')}`,
        fix: 'see `dcn migrate status`',
      });
    else if (pending.length > 0)
      add({
        id: 'migrations',
        status: 'warn',
        summary: `${pending.length} pending: ${pending.map((m) => `V${m.version}`).join(', ')}`,
        fix: 'dcn migrate',
      });
    else
      add({ id: 'migrations', status: 'ok', summary: `${status.migrations.length} applied, none failed or changed` });
  } catch (err) {
    add({
      id: 'migrations',
      status: 'warn',
      summary: `cannot read the history: ${isDcnError(err) ? err.message : firstLine(err)}`,
    });
  }
}

export async function checkInvalidObjects({ options, add }: DoctorContext): Promise<void> {
  // the schema's INVALID objects, which `dcn migrate` compiles once
  try {
    const invalid = await options.migrator.invalidObjects();
    if (invalid.length === 0) add({ id: 'invalid_objects', status: 'ok', summary: 'no INVALID object in the schema' });
    else
      add({
        id: 'invalid_objects',
        status: 'warn',
        summary: `${invalid.length} INVALID: ${invalid.map((o) => `${o.type.toLowerCase()} ${o.name}`).join(', ')}`,
        fix: 'see why with SHOW ERRORS <type> <name>; `dcn migrate` compiles them once (--fail-on-invalid fails when any stay INVALID)',
      });
  } catch (err) {
    add({
      id: 'invalid_objects',
      status: 'warn',
      summary: `cannot read USER_OBJECTS: ${isDcnError(err) ? err.message : firstLine(err)}`,
    });
  }
}
