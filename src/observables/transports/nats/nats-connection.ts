import { connect, Events, type ConnectionOptions, type NatsConnection } from 'nats';

/** What a {@link SharedNatsConnection} tells its users. */
export interface NatsConnectionUser {
  /** The connection is up (first connected, or reconnected): subscriptions may be made. */
  up(connection: NatsConnection): void;
  /** The NATS server cannot be reached (first attempt failed, or the connection dropped). */
  down(): void;
  /** The server refused a publish or a subscription of this connection (a permissions violation). */
  denied?(violation: PermissionViolation): void;
}

/** What the NATS server refused (it says so asynchronously, on the connection's status). */
export interface PermissionViolation {
  /** `publish` or `subscription`. */
  readonly operation: string;
  /** The subject refused. */
  readonly subject: string;
}

/** How long to wait before trying a first connection again, in ms. */
const RETRY_MS = 1000;

/**
 * One NATS connection shared by every link of a transport, opened with the first user and
 * closed with the last one (so a process that closed its instances exits by itself).
 *
 * The first connection is retried every second until it succeeds; after that the NATS client
 * reconnects by itself, forever (`maxReconnectAttempts: -1`), and every user hears `down` when
 * the connection drops and `up` when it is back, and `denied` when the server refuses one of
 * its publishes or subscriptions. Credentials in the options go to the NATS
 * client and nowhere else (never logged).
 *
 * ```ts
 * const shared = new SharedNatsConnection({ servers: 'nats://127.0.0.1:4222' });
 * const leave = shared.join({ up: (nc) => console.log('up', nc.getServer()), down: () => console.log('down') });
 * leave();
 * ```
 */
export class SharedNatsConnection {
  private readonly users = new Set<NatsConnectionUser>();
  private connection: NatsConnection | undefined;
  private connected = false;
  private attempt = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: ConnectionOptions) {}

  /** The connection while it is up, else `undefined`. */
  get current(): NatsConnection | undefined {
    return this.connected ? this.connection : undefined;
  }

  /** Adds a user (told `up` soon after, not during the call, when connected); returns how to leave. */
  join(user: NatsConnectionUser): () => void {
    this.users.add(user);
    if (this.users.size === 1 && this.connection === undefined && this.retry === undefined) this.open();
    else if (this.connected) {
      // Never during `join()`: a link must not signal before its opener holds it.
      queueMicrotask(() => {
        if (this.users.has(user) && this.connected && this.connection !== undefined) user.up(this.connection);
      });
    }
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.users.delete(user);
      if (this.users.size === 0) this.shut();
    };
  }

  private open(): void {
    const attempt = ++this.attempt;
    this.retry = undefined;
    connect({ ...this.options, reconnect: true, maxReconnectAttempts: -1, waitOnFirstConnect: false }).then(
      (connection) => {
        if (attempt !== this.attempt) {
          void connection.close();
          return;
        }
        this.connection = connection;
        this.connected = true;
        void this.watch(connection, attempt);
        for (const user of [...this.users]) user.up(connection);
      },
      () => {
        if (attempt !== this.attempt) return;
        for (const user of [...this.users]) user.down();
        this.retry = setTimeout(() => this.open(), this.options.reconnectTimeWait ?? RETRY_MS);
      },
    );
  }

  private async watch(connection: NatsConnection, attempt: number): Promise<void> {
    for await (const status of connection.status()) {
      if (attempt !== this.attempt) return;
      if (status.type === Events.Disconnect) {
        this.connected = false;
        for (const user of [...this.users]) user.down();
      } else if (status.type === Events.Reconnect) {
        this.connected = true;
        for (const user of [...this.users]) user.up(connection);
      } else if (status.type === Events.Error && status.permissionContext !== undefined) {
        const { operation, subject } = status.permissionContext;
        for (const user of [...this.users]) user.denied?.({ operation, subject });
      }
    }
  }

  private shut(): void {
    this.attempt++;
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
    const connection = this.connection;
    this.connection = undefined;
    this.connected = false;
    if (connection !== undefined) void connection.close().catch(() => undefined);
  }
}
