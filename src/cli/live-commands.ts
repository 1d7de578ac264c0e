/**
 * The commands that follow the instance live: `sessions [--watch]` (the mirror as a table)
 * and `tail` (the events, one line each).
 */
import { Observable, filter, firstValueFrom, map, race, take, timer, type Subscription } from 'rxjs';
import { isKnownTopic, type KnownTopic, type LivenessStatus, type Mirror, type MirrorSyncError, type PandoEvent, type RemoteInstance } from '../index.js';
import { EventPrinter } from './events.js';
import { clockTime, eventJson, mirrorJson, relativeAge, table, uniquePrefixLength } from './format.js';
import type { Output } from './output.js';
import { withInstance } from './rpc-commands.js';
import { sessionIdOf } from '../index.js';
import { CliError, EXIT_OK, InterruptedError, aborted$, usageError, type Target, type TargetOptions } from './target.js';
import type { Text } from './text.js';
import { pubSilentMessage, unreachableMessage } from './unreachable.js';

/** Resolves when `signal` aborts (Ctrl-C); never without a signal. */
const untilAborted = (signal: AbortSignal | undefined): Promise<void> => firstValueFrom(aborted$(signal).pipe(map(() => undefined)));

/**
 * Tells the user on stderr when the instance goes away and comes back; returns what
 * `waitAlive` needs: whether it was ever alive.
 */
const followStatus = (pando: RemoteInstance, out: Output, target: Target): { subscription: Subscription; everAlive: () => boolean } => {
  let everAlive = false;
  let last: LivenessStatus | undefined;
  const subscription = pando.status$.subscribe((status) => {
    if (status === 'alive') {
      if (everAlive && last !== 'alive') out.note(out.styles.green(`${clockTime(out.now())} the instance is back (${target.rpcEndpoint})`));
      everAlive = true;
    } else if (everAlive && status !== 'connecting' && status !== last) {
      out.note(out.styles.yellow(`${clockTime(out.now())} the instance is ${status}${status === 'down' ? '; waiting for it to come back' : ' (no heartbeat)'}`));
    }
    last = status;
  });
  return { subscription, everAlive: () => everAlive };
};

/** The first value of `source$`, or what went wrong: `--timeout` passed, or Ctrl-C. */
const firstWithin = <T>(source$: Observable<T>, timeoutMs: number, signal: AbortSignal | undefined): Promise<{ kind: 'value'; value: T } | { kind: 'timeout' } | { kind: 'aborted' }> =>
  firstValueFrom(
    race(
      source$.pipe(take(1), map((value) => ({ kind: 'value' as const, value }))),
      timer(timeoutMs).pipe(map(() => ({ kind: 'timeout' as const }))),
      aborted$(signal).pipe(map(() => ({ kind: 'aborted' as const }))),
    ),
  );

// ---- sessions ---------------------------------------------------------------------------------

/** Options of `sessions`. */
export interface SessionsOptions extends TargetOptions {
  readonly watch?: boolean;
}

/** The mirror as an aligned table: active marker, short id, title (truncated to the width), messages, age. */
const sessionsTable = (mirror: Mirror, out: Output): Text[] => {
  const { styles } = out;
  if (mirror.size === 0) return [styles.dim('no sessions')];
  const now = out.now();
  const idLength = uniquePrefixLength(mirror.sessions.map((s) => s.id));
  const rows = mirror.sessions.map((session) => [
    session.id === mirror.activeSessionId ? '●' : ' ',
    session.id.slice(0, idLength),
    session.title,
    String(session.message_count),
    relativeAge(session.updated_at, now),
  ]);
  return table(
    [
      { header: ' ', style: (cell) => styles.green(cell) },
      { header: 'ID', style: (cell) => styles.magenta(cell) },
      { header: 'TITLE', flexible: true },
      { header: 'MSGS', align: 'right' },
      { header: 'UPDATED', style: (cell) => styles.dim(cell) },
    ],
    rows,
    out.columns,
    styles.bold,
  );
};

/** `sessions [--watch]`. */
export const sessions = (options: SessionsOptions, out: Output): Promise<number> =>
  withInstance(options, out, async (pando, target) => {
    const io = out.io;
    const status = followStatus(pando, out, target);
    let lastSyncError: MirrorSyncError | undefined;
    const syncErrors = pando.syncErrors$.subscribe((error) => (lastSyncError = error));
    // Holds the shared mirror for the whole command: without it, the first mirror's reader
    // leaving would drop it, and --watch would start over with a new snapshot.
    const hold = pando.mirror$.subscribe();
    try {
      out.spinner.start(`reading the sessions of ${target.rpcEndpoint}…`);
      const first = await firstWithin(pando.mirror$, options.timeout, io.signal);
      out.spinner.stop();
      if (first.kind === 'aborted') {
        if (options.watch === true) return EXIT_OK; // Ctrl-C is how --watch ends
        throw new InterruptedError();
      }
      if (first.kind === 'timeout') {
        const silence = { kind: 'timeout', timeoutMs: options.timeout } as const;
        if (!status.everAlive()) throw new CliError(await unreachableMessage(target, silence));
        if (lastSyncError === undefined) throw new CliError(pubSilentMessage(target, silence));
        throw new CliError(`the instance is up but its sessions could not be read within ${options.timeout} ms: ${String(lastSyncError.error instanceof Error ? lastSyncError.error.message : lastSyncError.error)}`);
      }

      const draw = (mirror: Mirror, redraw: boolean): void => {
        if (options.json === true) {
          out.json(mirrorJson(mirror));
          return;
        }
        const lines = sessionsTable(mirror, out);
        if (options.watch === true && io.isTTY) {
          // Redraw in place: home, clear the screen, then the table under a title line.
          out.clearScreen();
          out.line(out.styles.dim(`${mirror.size} session${mirror.size === 1 ? '' : 's'} of ${mirror.instanceId} · ${clockTime(out.now())} · Ctrl-C to stop`));
        } else if (redraw) {
          out.line();
        }
        for (const line of lines) out.line(line);
      };
      draw(first.value, false);
      if (options.watch !== true) return EXIT_OK;

      let latest = first.value;
      const subscriptions = [
        pando.mirror$.pipe(filter((mirror) => mirror !== latest)).subscribe((mirror) => {
          latest = mirror;
          draw(mirror, true);
        }),
      ];
      // On a terminal, keep the relative ages current.
      if (io.isTTY && options.json !== true) {
        const ages = setInterval(() => draw(latest, true), 15_000);
        subscriptions.push({ unsubscribe: () => clearInterval(ages) } as Subscription);
      }
      await untilAborted(io.signal);
      for (const subscription of subscriptions) subscription.unsubscribe();
      return EXIT_OK;
    } finally {
      hold.unsubscribe();
      syncErrors.unsubscribe();
      status.subscription.unsubscribe();
    }
  }, true);

// ---- tail -------------------------------------------------------------------------------------

/** Options of `tail`. */
export interface TailOptions extends TargetOptions {
  /** Topics: exact names, or prefixes written `llm.*` (or `llm.`); comma-separated lists too. */
  readonly topic?: readonly string[];
  /** Only the events of the sessions whose id starts with this. */
  readonly session?: string;
  /** Show `instance.heartbeat` (hidden unless asked for, or named by `--topic`). */
  readonly heartbeats?: boolean;
}

interface TopicFilter {
  /** The exact known topics, when every pattern is one: the socket subscribes to just those. */
  readonly exact?: readonly KnownTopic[];
  readonly matches: (topic: string) => boolean;
  readonly namesHeartbeat: boolean;
}

/** `--topic` patterns: exact topics, or prefixes ending in `*` or `.`. */
export const topicFilter = (patterns: readonly string[]): TopicFilter => {
  const list = patterns.flatMap((p) => p.split(',')).map((p) => p.trim()).filter((p) => p !== '');
  if (list.length === 0) return { matches: () => true, namesHeartbeat: false };
  const prefixes: string[] = [];
  const exact: string[] = [];
  for (const pattern of list) {
    if (pattern === '*') return { matches: () => true, namesHeartbeat: false };
    if (pattern.endsWith('*')) prefixes.push(pattern.slice(0, -1));
    else if (pattern.endsWith('.')) prefixes.push(pattern);
    else if (/\s|\u0000/.test(pattern)) throw usageError(`--topic: ${JSON.stringify(pattern)} is not a topic`);
    else exact.push(pattern);
  }
  const exactSet = new Set(exact);
  const matches = (topic: string): boolean => exactSet.has(topic) || prefixes.some((prefix) => topic.startsWith(prefix));
  const allKnown = prefixes.length === 0 && exact.every(isKnownTopic);
  return {
    ...(allKnown ? { exact: exact as KnownTopic[] } : {}),
    matches,
    namesHeartbeat: exactSet.has('instance.heartbeat') || prefixes.some((prefix) => 'instance.heartbeat'.startsWith(prefix) && prefix !== ''),
  };
};

/** `tail`: the live events until Ctrl-C. */
export const tail = (options: TailOptions, out: Output): Promise<number> => {
  const topics = topicFilter(options.topic ?? []);
  const showHeartbeats = options.heartbeats === true || topics.namesHeartbeat;
  return withInstance(options, out, async (pando, target) => {
    const io = out.io;
    const exact = topics.exact;
    const source$: Observable<PandoEvent> =
      exact !== undefined && exact.length > 0 ? (pando.on(exact[0]!, ...exact.slice(1)) as Observable<PandoEvent>) : pando.events$;
    const printer = new EventPrinter(out);
    let printed = false;
    const events = source$
      .pipe(
        filter((event) => topics.matches(event.topic)),
        filter((event) => showHeartbeats || event.topic !== 'instance.heartbeat'),
        filter((event) => options.session === undefined || (sessionIdOf(event) ?? '').startsWith(options.session)),
      )
      .subscribe((event) => {
        printed = true;
        if (options.json !== true) return printer.print(event);
        const cutAt = out.json(eventJson(event));
        if (cutAt !== undefined) out.note(out.styles.yellow(`the payload of this ${event.topic} event is nested deeper than ${cutAt} levels: cut there`));
      });
    const badFrames = pando.decodeErrors$.subscribe(({ error }) => {
      printer.endLine();
      out.note(out.styles.yellow(`skipped a frame that does not decode: ${error.message}`));
    });
    const status = followStatus(pando, out, target);
    try {
      out.spinner.start(`connecting to ${target.pubEndpoint}…`);
      const alive = await firstWithin(pando.status$.pipe(filter((s) => s === 'alive')), options.timeout, io.signal);
      if (alive.kind === 'timeout') throw new CliError(await unreachableMessage(target, { kind: 'timeout', timeoutMs: options.timeout }));
      out.spinner.stop();
      if (alive.kind === 'value') {
        if ((io.stderrIsTTY ?? io.isTTY) && !printed) out.note(out.styles.dim(`listening to ${target.pubEndpoint} · Ctrl-C to stop`));
        await untilAborted(io.signal);
      }
      return EXIT_OK;
    } finally {
      events.unsubscribe();
      badFrames.unsubscribe();
      status.subscription.unsubscribe();
      printer.flush();
    }
  }, true);
};
