/**
 * The CLI's words for what the engine says can be done next: the engine reports what happened
 * and which remedies apply, and never names a command or a flag (as umzug leaves wording to its
 * CLI); here each remedy becomes the command a user types.
 */
import { ENV_NAMES } from '../config/settings.js';
import type { DcnError, Remedy } from '../errors.js';

function command(remedy: Remedy): string {
  switch (remedy.kind) {
    case 'resume':
      return `dcn migrate ${remedy.direction === 'down' ? 'down ' : ''}--resume`;
    case 'repair':
      return 'dcn migrate repair';
    case 'wait-longer':
      return 'dcn migrate --lock-timeout SECONDS';
    case 'allow-changed':
      return 'dcn migrate --allow-changed';
    case 'out-of-order':
      return 'dcn migrate --out-of-order';
    case 'migrations-dir':
      return '--migrations DIR (or DCN_MIGRATIONS)';
    case 'status':
      return 'dcn migrate status';
    case 'migrate':
      return 'dcn migrate';
    case 'setting':
      return `--${remedy.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} … (or ${ENV_NAMES[remedy.name]})`;
    case 'verbose':
      return '--verbose';
    case 'allow-role-grant':
      return '--allow-role-grant';
  }
}

/** The hint as printed: the engine's sentence, then the commands that carry it out. */
export function wordedHint(err: DcnError): string | undefined {
  if (err.remedies.length === 0) return err.hint;
  const commands = `\`${err.remedies.map(command).join('` or `')}\``;
  return err.hint === undefined ? commands : `${err.hint}: ${commands}`;
}

/**
 * The message as printed: an error about an engine option's value (meta.option, meta.value) is
 * prefixed with the flag that gave it, e.g. "--to 9: there is no migration with that version".
 */
export function wordedMessage(err: DcnError): string {
  const { option, value } = err.meta;
  if (typeof option !== 'string' || value === undefined) return err.message;
  // an empty value shows as "", not as a gap before the colon
  return `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${value === '' ? '""' : String(value)}: ${err.message}`;
}
