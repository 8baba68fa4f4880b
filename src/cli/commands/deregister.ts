import { createInterface } from 'node:readline/promises';
import { usageError } from '../../errors.js';
import { planDeregister } from '../../registrations/plans.js';
import { parseCallback, parseRegid, Registrations } from '../../registrations/registrations.js';
import type { CommandContext } from '../context.js';
import { printDryRun, type DryRun } from '../dry-run.js';
import type { Output } from '../output.js';
import type { DeregisterFlags } from './deregister.command.js';
import { withSessions } from '../with-sessions.js';

type Deregistered = { deregistered: number[]; routesRemoved: string[] };

async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  const rl = createInterface({ input: ctx.stdin, output: ctx.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export async function run(flags: DeregisterFlags, ctx: CommandContext, out: Output): Promise<Deregistered | DryRun> {
  const regids = (flags.regids ?? []).map(parseRegid);
  const ways = [regids.length > 0, flags.callback !== undefined, flags.all === true].filter(Boolean).length;
  if (ways !== 1)
    throw usageError(
      ways === 0 ? 'no registration given' : 'give REGIDs, --callback or --all: one of them',
      'e.g. dcn deregister 41, dcn deregister --callback orders_nf_callback, dcn deregister --all --yes',
    );
  const callback = flags.callback === undefined ? undefined : parseCallback(flags.callback);
  if (flags.dryRun) {
    if (regids.length === 0)
      throw usageError(
        '--dry-run needs REGIDs: finding them by --callback or --all needs a connection',
        'give the REGIDs shown by `dcn regs`',
      );
    return { dryRun: true, command: 'dcn deregister', statements: regids.map(planDeregister) };
  }
  // more than one removal asks first: on a terminal by a prompt, elsewhere by --yes
  const interactive = ctx.stdin.isTTY === true && ctx.stderr.isTTY === true;
  if (!flags.yes && !interactive && (flags.all || callback !== undefined || regids.length > 1)) {
    throw usageError(
      'removing more than one registration (or --all / --callback) needs --yes when not on a terminal',
      'add --yes',
    );
  }
  return withSessions(flags, ctx, async (sessions) => {
    const regs = new Registrations(sessions);
    const targets = await regs.resolve(
      regids.length > 0 ? { regids } : callback ? { callback, exactlyOne: false } : { all: true },
    );
    if (targets.length === 0) return { deregistered: [], routesRemoved: [] };
    if (targets.length > 1 && !flags.yes) {
      const list = targets.map((t) => `${t.regid} (${t.tables.join(', ')})`).join(', ');
      if (!(await confirm(ctx, `Deregister ${targets.length} registrations: ${list}?`))) {
        out.note('Nothing was deregistered.');
        return { deregistered: [], routesRemoved: [] };
      }
    }
    return regs.deregister(targets.map((t) => t.regid));
  });
}

export function print(result: Deregistered | DryRun, out: Output): void {
  if ('dryRun' in result) return printDryRun(result, out);
  out.line(
    result.deregistered.length ? `Deregistered ${result.deregistered.join(', ')}.` : 'Nothing was deregistered.',
  );
  // a table no registration covers any more has no route either
  if (result.routesRemoved.length > 0) out.line(`Removed the routes of ${result.routesRemoved.join(', ')}.`);
}
