/**
 * Connection settings of the opt-in real-Oracle suite. It runs only when DCN_TEST_CONNECT and the
 * admin credentials are set; it creates a scratch schema and drops it at the end.
 */
export interface OracleTestEnv {
  connect: string;
  adminUser: string;
  adminPassword: string;
  adminPrivilege?: string;
  appUser: string;
  appPassword: string;
  /** The host the database calls back (where this suite's listener runs), as the database sees it. */
  callbackHost: string;
  /** Where the suite's listener binds, and its port. */
  listenHost: string;
  listenPort: number;
}

export function oracleTestEnv(env: Record<string, string | undefined> = process.env): OracleTestEnv | { skip: string } {
  const missing = ['DCN_TEST_CONNECT', 'DCN_TEST_ADMIN_USER', 'DCN_TEST_ADMIN_PASSWORD'].filter((n) => !env[n]);
  if (missing.length > 0)
    return {
      skip: `real-Oracle tests skipped: set ${missing.join(', ')} (see README, "Testing against a real Oracle")`,
    };
  return {
    connect: env.DCN_TEST_CONNECT!,
    adminUser: env.DCN_TEST_ADMIN_USER!,
    adminPassword: env.DCN_TEST_ADMIN_PASSWORD!,
    adminPrivilege: env.DCN_TEST_ADMIN_PRIVILEGE || undefined,
    appUser: (env.DCN_TEST_APP_USER || 'DCN_SCRATCH').toUpperCase(),
    appPassword: env.DCN_TEST_APP_PASSWORD || 'Dcn_scratch_1',
    callbackHost: env.DCN_TEST_CALLBACK_HOST || 'host.docker.internal',
    listenHost: env.DCN_TEST_LISTEN_HOST || '0.0.0.0',
    listenPort: Number(env.DCN_TEST_LISTEN_PORT || 18080),
  };
}
