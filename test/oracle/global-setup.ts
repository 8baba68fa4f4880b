/** Says once, for the whole suite, why it is skipped. */
import { oracleTestEnv } from './env.js';

export default function setup(): void {
  const found = oracleTestEnv();
  if ('skip' in found) process.stdout.write(`${found.skip}\n`);
}
