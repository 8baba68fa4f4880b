/** What each check of dcn doctor reports, and what the checks share once connected. */
import type { DbSession, ExecuteResult } from '../db/driver.js';
import type { Migrator } from '../migrator/migrator.js';
import type { loadNamedQueries } from '../script/named-queries.js';
import type { LogRow } from '../tail/tail.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

export interface Check {
  readonly id: string;
  readonly status: CheckStatus;
  readonly summary: string;
  readonly fix?: string;
  readonly details?: readonly string[];
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly checks: readonly Check[];
}

export interface DoctorOptions {
  /** Opens the app schema's session; a failure is the connection check's failure. */
  readonly connect: () => Promise<DbSession>;
  readonly who: string;
  readonly schema: string;
  readonly callbackUrl: string;
  readonly callbackHost: string;
  readonly callbackPort: number;
  readonly ordersTable: string;
  readonly orderItemsTable: string;
  readonly migrator: Migrator;
  /** Checks the callback URL from here (a GET of /healthz on its origin). */
  readonly probe?: (url: string) => Promise<{ status?: number; error?: string }>;
  /** Warn when the notification log holds more rows than this (it only grows until pruned). */
  readonly logMaxRows?: number;
}

/** What the checks share: the app schema's session, the report they add to, doctor.sql's statements. */
export interface DoctorContext {
  readonly options: DoctorOptions;
  readonly session: DbSession;
  readonly queries: ReturnType<typeof loadNamedQueries>;
  add(check: Check): void;
  /** Runs a statement of doctor.sql by name. */
  rows(name: string, binds?: Record<string, string>): Promise<ExecuteResult['rows']>;
  /** The last rows of the log, read once: what the notifications did, and the proof that callbacks run at all. */
  lastLogged(): Promise<LogRow[]>;
}

/** The errors of a dictionary view or parameter the app schema may not read: a warning, not a failure. */
export const MISSING_PRIVILEGE = new Set(['ORA-00942', 'ORA-01031', 'ORA-04043']);
