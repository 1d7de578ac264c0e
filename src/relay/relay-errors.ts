/**
 * Why `startRelay()` could not start: the NATS server could not be reached, or it has no
 * JetStream while the relay was asked to keep events for replay. The message names the servers
 * (never a credential); `cause` is the NATS client's error.
 *
 * ```ts
 * try {
 *   await startRelay({ nats: { servers: 'nats://hub:4222' } });
 * } catch (error) {
 *   if (error instanceof RelayStartError) console.error(error.message, error.reason);
 * }
 * ```
 */
export class RelayStartError extends Error {
  override readonly name = 'RelayStartError';

  constructor(
    /** `unreachable`: no NATS server answered; `no-jetstream`: replay asked, but the server has no JetStream. */
    readonly reason: 'unreachable' | 'no-jetstream',
    /** The servers tried, as given (URLs, without credentials). */
    readonly servers: readonly string[],
    /** The NATS client's error. */
    readonly cause?: unknown,
  ) {
    super(
      reason === 'unreachable'
        ? `relay: no NATS server could be reached at ${servers.join(', ')}`
        : `relay: the NATS server at ${servers.join(', ')} has no JetStream (start it with -js), and replay needs it`,
    );
  }
}

/**
 * What may be printed of a server: its URL without user info, with or without a scheme
 * (`nats://user:secret@host:4222` → `nats://host:4222`, `user:secret@host:4222` → `host:4222`).
 *
 * ```ts
 * console.log(`relaying to ${withoutCredentials(process.env.NATS_URL ?? 'nats://127.0.0.1:4222')}`);
 * ```
 */
export const withoutCredentials = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^@/]*@/i, '$1');

/** The servers of NATS options, for messages: URLs with any user and password taken out. */
export const serversOf = (servers: string | readonly string[] | undefined): readonly string[] =>
  (servers === undefined ? ['nats://127.0.0.1:4222'] : typeof servers === 'string' ? [servers] : [...servers]).map(withoutCredentials);
