import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { credsAuthenticator } from 'nats';
import type { NatsOptions } from './nats-transport.js';

/**
 * NATS options from the environment, the way `pando-rx relay` reads them: the given servers,
 * plus `NATS_TOKEN`, or `NATS_USER` and `NATS_PASSWORD`, or `NATS_CREDS` (a credentials file,
 * relative to `cwd`). Keeps secrets off command lines (where `ps` shows them); nothing is
 * logged. Throws an `Error` naming the file, never its content, when `NATS_CREDS` cannot be read.
 *
 * ```ts
 * const pando = connectNats({ nats: natsOptionsFromEnv(['nats://hub:4222']), instanceId: 'a1b2c3' });
 * ```
 */
export const natsOptionsFromEnv = (
  servers: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
): NatsOptions => {
  const options: { -readonly [K in keyof NatsOptions]: NatsOptions[K] } = { servers: [...servers] };
  const token = env['NATS_TOKEN'];
  if (token !== undefined && token !== '') options.token = token;
  const user = env['NATS_USER'];
  if (user !== undefined && user !== '') {
    options.user = user;
    options.pass = env['NATS_PASSWORD'] ?? '';
  }
  const creds = env['NATS_CREDS'];
  if (creds !== undefined && creds !== '') {
    let content: Uint8Array;
    try {
      content = readFileSync(resolve(cwd, creds));
    } catch (error) {
      throw new Error(`cannot read NATS_CREDS ${creds}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    options.authenticator = credsAuthenticator(content);
  }
  return options;
};
