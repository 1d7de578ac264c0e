/**
 * `relay`: relays this host's instances to a NATS server until Ctrl-C (see docs/scale-out.md).
 * Credentials come from the environment (never from the command line, where `ps` shows them),
 * go to the NATS client only, and are never printed: server URLs are shown without their
 * user info.
 */
import { firstValueFrom, type Subscription } from 'rxjs';
import { RelayStartError, natsOptionsFromEnv, startRelay, withoutCredentials, type NatsOptions, type Relay } from '../index.js';
import { humanDuration } from './format.js';
import type { Output } from './output.js';
import { CliError, EXIT_OK, aborted$, registryDirFor, usageError } from './target.js';

/** Options of `relay`. */
export interface RelayCommandOptions {
  /** NATS server URLs (repeatable, or comma-separated). */
  readonly nats: readonly string[];
  readonly registry?: string;
  /** Pass control methods on (default: read-only). */
  readonly allowControl?: boolean;
  /** Keep each instance's events this long (ms) in JetStream for replay. */
  readonly replay?: number;
  /** With `replay`: at most this many events per instance. */
  readonly replayMaxMessages?: number;
  readonly json?: boolean;
}

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
  if (options.replayMaxMessages !== undefined && options.replay === undefined) throw usageError('--replay-max-messages needs --replay <duration>');
  const replay =
    options.replay === undefined
      ? undefined
      : { maxAgeMs: options.replay, ...(options.replayMaxMessages === undefined ? {} : { maxMessages: options.replayMaxMessages }) };
  const started = startRelay({ nats, registryDir, allowControl: options.allowControl === true, ...(replay === undefined ? {} : { replay }) });
  let running: Relay | undefined;
  try {
    running = await Promise.race([started, firstValueFrom(aborted$(io.signal)).then(() => undefined)]);
  } catch (error) {
    // No NATS server, or replay without JetStream: said plainly (servers without credentials), exit 1.
    if (error instanceof RelayStartError) throw new CliError(error.message);
    throw error;
  }
  if (running === undefined) {
    // Ctrl-C before the NATS server answered: close the relay as soon as it exists.
    void started.then((late) => late.close(), () => undefined);
    return EXIT_OK;
  }
  const active: Relay = running;
  const access = options.allowControl === true ? 'control allowed' : 'read-only';
  const kept = replay === undefined ? '' : `, events kept ${humanDuration(replay.maxAgeMs)} for replay`;
  if (options.json === true) out.json({ event: 'ready', servers: servers.map(withoutCredentials), registryDir, allowControl: options.allowControl === true, replayMs: replay?.maxAgeMs ?? null });
  else {
    out.line(`relaying the instances of ${registryDir} to ${shown} (${access}${kept})`);
    out.line(out.styles.dim('Ctrl-C to stop'));
  }
  const watching: Subscription = active.instances$.subscribe((ids) => {
    if (options.json === true) out.json({ event: 'instances', ids });
    else out.line(`instances (${ids.length}): ${ids.length === 0 ? out.styles.dim('none') : ids.join(', ')}`);
  });
  watching.add(
    active.problems$.subscribe(({ instanceId, error }) => {
      const message = error instanceof Error ? error.message : String(error);
      if (options.json === true) out.json({ event: 'problem', instanceId, what: 'stream', message });
      else out.line(out.styles.red(`${instanceId}: its events cannot be kept for replay (${message}); relaying them live only`));
    }),
  );
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
