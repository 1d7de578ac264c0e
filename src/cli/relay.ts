/**
 * `relay`: relays this host's instances to a NATS server until Ctrl-C (see docs/scale-out.md).
 * Credentials come from the environment (never from the command line, where `ps` shows them),
 * go to the NATS client only, and are never printed: server URLs are shown without their
 * user info.
 */
import { firstValueFrom, type Subscription } from 'rxjs';
import { natsOptionsFromEnv, startRelay, type NatsOptions, type Relay } from '../index.js';
import type { Output } from './output.js';
import { CliError, EXIT_OK, aborted$, registryDirFor, usageError } from './target.js';

/** Options of `relay`. */
export interface RelayCommandOptions {
  /** NATS server URLs (repeatable, or comma-separated). */
  readonly nats: readonly string[];
  readonly registry?: string;
  /** Pass control methods on (default: read-only). */
  readonly allowControl?: boolean;
  readonly json?: boolean;
}

/** `nats://user:secret@host:4222` → `nats://host:4222`: what may be printed of a server. */
export const withoutCredentials = (url: string): string => url.replace(/^([a-z]+:\/\/)[^@/]*@/i, '$1');

/** `relay`: runs until Ctrl-C (or SIGTERM), then announces its instances gone and stops. */
export const relay = async (options: RelayCommandOptions, out: Output): Promise<number> => {
  const io = out.io;
  const servers = options.nats.flatMap((value) => value.split(',')).map((value) => value.trim()).filter((value) => value !== '');
  if (servers.length === 0) throw usageError('relay needs --nats <url>, e.g. --nats nats://127.0.0.1:4222');
  const shown = servers.map(withoutCredentials).join(', ');
  const registryDir = registryDirFor(io, options.registry);
  let nats: NatsOptions;
  try {
    nats = natsOptionsFromEnv(servers, io.env, io.cwd);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const started = startRelay({ nats, registryDir, allowControl: options.allowControl === true });
  const running = await Promise.race([started, firstValueFrom(aborted$(io.signal)).then(() => undefined)]);
  if (running === undefined) {
    // Ctrl-C before the NATS server answered: close the relay as soon as it exists.
    void started.then((late) => late.close(), () => undefined);
    return EXIT_OK;
  }
  const active: Relay = running;
  const access = options.allowControl === true ? 'control allowed' : 'read-only';
  if (options.json === true) out.json({ event: 'ready', servers: servers.map(withoutCredentials), registryDir, allowControl: options.allowControl === true });
  else {
    out.line(`relaying the instances of ${registryDir} to ${shown} (${access})`);
    out.line(out.styles.dim('Ctrl-C to stop'));
  }
  const watching: Subscription = active.instances$.subscribe((ids) => {
    if (options.json === true) out.json({ event: 'instances', ids });
    else out.line(`instances (${ids.length}): ${ids.length === 0 ? out.styles.dim('none') : ids.join(', ')}`);
  });
  try {
    await firstValueFrom(aborted$(io.signal));
  } finally {
    watching.unsubscribe();
    await active.close();
  }
  const { published, dropped } = active.counts;
  if (options.json === true) out.json({ event: 'stopped', published, dropped });
  else out.line(`stopped; ${published} frames relayed${dropped === 0 ? '' : `, ${dropped} dropped`}`);
  return EXIT_OK;
};
