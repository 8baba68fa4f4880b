/** The connection settings: where to connect, as whom, how long to wait; each value checked for its place. */
import type { AdminPrivilege } from '../db/driver.js';
import { CONTROL, invalid } from './config-file.js';
import { sourceName, wholeSeconds, type SettingsReader, type Source } from './settings-reader.js';
import { ADMIN_PRIVILEGES, DEFAULTS, SETTINGS } from './settings.js';

/** What every command that connects uses: where to, as whom, how long to wait. */
export interface ConnectionConfig {
  readonly connect?: string;
  readonly user?: string;
  readonly adminUser?: string;
  readonly adminPrivilege?: AdminPrivilege;
  readonly connectTimeoutSeconds: number;
  readonly tnsAdmin?: string;
  readonly configFile?: string;
  /** The config file's environment in use (--env, DCN_ENV). */
  readonly environment?: string;
  /** Where each setting read came from, for `--verbose` and tests. */
  readonly sources: Readonly<Record<string, Source>>;
}

export function connectionPart(reader: SettingsReader): ConnectionConfig {
  const connect = reader.pick('connect');
  const user = reader.pick('user');
  const adminUser = reader.pick('adminUser');
  const sources = reader.sources;
  // SQL*Plus habits: "scott/tiger" as the user, "scott/tiger@db/svc" as the connect string. The
  // value holds a password: refused without ever being printed.
  for (const [key, value] of [
    ['user', user],
    ['adminUser', adminUser],
  ] as const) {
    if (value?.includes('/')) {
      throw invalid(
        `the ${key} setting (${sourceName(key, sources[key])}) holds a password (user/password): dcn takes passwords only from ${key === 'user' ? 'DCN_PASSWORD or --password-stdin' : 'DCN_ADMIN_PASSWORD or --admin-password-stdin'}`,
        `set it to the user name alone, e.g. OE`,
      );
    }
  }
  if (connect !== undefined && connect.includes('@') && !/^\s*\(/.test(connect)) {
    throw invalid(
      `the connect setting (${sourceName('connect', sources.connect)}) holds a user or password (user/password@…): it names the database only`,
      'write it as host:port/service or a tnsnames.ora alias; set the user with DCN_USER and the password with DCN_PASSWORD',
    );
  }
  // a port no socket can use is said here, before a password is asked for or the driver loads
  const port =
    connect === undefined
      ? undefined
      : (/\(\s*PORT\s*=\s*(\d+)\s*\)/i.exec(connect) ??
          /^\s*(?:[a-z]+:\/\/|\/\/)?(?:\[[^\]]*\]|[^\s:/()]+):(\d+)(?:[/?:\s]|$)/i.exec(connect))?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw invalid(
      `the connect setting (${sourceName('connect', sources.connect)}) names port ${port}, which is not a TCP port (1 to 65535)`,
      'the listener port is usually 1521, e.g. db.example.com:1521/FREEPDB1',
    );
  }
  checkConnectSetting(connect, sourceName('connect', sources.connect));
  if (user !== undefined) checkUserSetting(user, `the user setting (${sourceName('user', sources.user)})`);
  const privilegeRaw = reader.pick('adminPrivilege');
  let adminPrivilege: AdminPrivilege | undefined;
  if (privilegeRaw !== undefined && privilegeRaw.toLowerCase() !== 'none') {
    const p = privilegeRaw.toLowerCase() as AdminPrivilege;
    if (!ADMIN_PRIVILEGES.includes(p))
      throw invalid(
        `admin privilege '${privilegeRaw}' is not one of ${ADMIN_PRIVILEGES.join(', ')}, none`,
        'e.g. --admin-privilege sysdba for SYS',
      );
    adminPrivilege = p;
  }
  const admin =
    adminUser === undefined
      ? undefined
      : adminUserSetting(adminUser, adminPrivilege, sourceName('adminUser', sources.adminUser));
  const timeoutRaw = reader.pick('connectTimeout');
  return {
    connect,
    user,
    adminUser: admin?.user,
    adminPrivilege: admin?.privilege ?? adminPrivilege,
    connectTimeoutSeconds:
      timeoutRaw === undefined
        ? DEFAULTS.connectTimeoutSeconds
        : wholeSeconds('connect timeout', timeoutRaw, SETTINGS.connectTimeout.range),
    tnsAdmin: reader.path('tnsAdmin', reader.pick('tnsAdmin')),
    configFile: reader.file === undefined ? undefined : reader.filePath,
    environment: reader.environment?.name,
    sources,
  };
}

/**
 * The connect string: a host:port/service or an alias holds no blank or control character; a
 * descriptor, (DESCRIPTION=…), may span lines as in tnsnames.ora, but holds no other control
 * character. Its value is not shown: a newline in it would print as a second line.
 */
function checkConnectSetting(connect: string | undefined, source: string): void {
  if (connect === undefined) return;
  const descriptor = /^\s*\(/.test(connect);
  if (descriptor ? CONTROL.test(connect.replace(/[\t\r\n]/g, ' ')) : /\s/.test(connect) || CONTROL.test(connect)) {
    throw invalid(
      `the connect setting (${source}) holds ${descriptor ? 'a control character' : 'a blank or a control character'}`,
      'write it as host:port/service, a tnsnames.ora alias or a (DESCRIPTION=…) descriptor, on one line',
    );
  }
  // '/', '//', ':1521/X': no host and no alias, so no database ("CONNECT SYS@/" in a plan)
  if (!descriptor && !/^(?:\[[^\]]+\]|[A-Za-z0-9_])/.test(connect.replace(/^(?:[a-z][a-z0-9+.-]*:)?\/\//i, ''))) {
    throw invalid(
      `the connect setting (${source}) names no database: it has no host and no alias`,
      'name the database: host:port/service (e.g. db.example.com:1521/FREEPDB1), a tnsnames.ora alias or a (DESCRIPTION=…) descriptor',
    );
  }
}

/** A user name: one word (a plain or "quoted" name, proxy[user] allowed), no blank, no control character. */
function checkUserSetting(user: string, what: string): void {
  if (user === '' || /\s/.test(user) || CONTROL.test(user)) {
    throw invalid(
      `${what} holds ${user === '' ? 'nothing' : 'a blank or a control character'}: it names one database user`,
      'e.g. OE, or SYS with --admin-privilege sysdba',
    );
  }
}

/**
 * The admin user, as SQL*Plus users write it too: "SYS as sysdba" is the user SYS and the
 * privilege sysdba, unless the privilege setting says otherwise.
 */
function adminUserSetting(
  value: string,
  privilege: AdminPrivilege | undefined,
  source: string,
): { user: string; privilege?: AdminPrivilege } {
  const as = /^\s*(\S+)\s+as\s+(\S+)\s*$/i.exec(value);
  if (as !== null && ADMIN_PRIVILEGES.includes(as[2]!.toLowerCase() as AdminPrivilege)) {
    const named = as[2]!.toLowerCase() as AdminPrivilege;
    if (privilege !== undefined && privilege !== named) {
      throw invalid(
        `the adminUser setting (${source}) says AS ${named.toUpperCase()} while the admin privilege setting says ${privilege}`,
        `set the user alone (e.g. ${as[1]}) and the privilege with --admin-privilege (DCN_ADMIN_PRIVILEGE)`,
      );
    }
    checkUserSetting(as[1]!, `the adminUser setting (${source})`);
    return { user: as[1]!, privilege: named };
  }
  checkUserSetting(value, `the adminUser setting (${source})`);
  return { user: value };
}
