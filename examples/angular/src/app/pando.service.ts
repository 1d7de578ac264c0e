import { DestroyRef, Injectable, inject } from '@angular/core';
import type { Observable } from 'rxjs';
import { connectBrowser, type RemoteInstance } from 'pando-rx/browser';
import { PANDO_CONFIG } from './pando-config';
import { sessionListView, type SessionListView } from './view/session-list-view';
import { sessionTextView, type SessionTextView } from './view/session-text-view';
import { statusView, type StatusView } from './view/status-view';

/**
 * The app's one connection to Pando, through `pando-rx bridge`: the same `RemoteInstance` as
 * `connect()` in Node, over a WebSocket. Its streams are hot and shared, so every component
 * that reads them shares one bridge connection; nothing opens until one is subscribed. The
 * instance is closed when the app is destroyed.
 *
 * ```ts
 * const pando = inject(PandoService);
 * const status = toSignal(pando.status$);
 * ```
 */
@Injectable({ providedIn: 'root' })
export class PandoService {
  /** The instance, for anything the view models below do not cover (every RPC method, `on()`, …). */
  readonly instance: RemoteInstance = connectBrowser(inject(PANDO_CONFIG));

  /** The status badge: `live`, `instance down`, `bridge unreachable`, … */
  readonly status$: Observable<StatusView> = statusView(this.instance.status$);

  constructor() {
    inject(DestroyRef).onDestroy(() => this.instance.close());
  }

  /** The session list, with `chosenId$` (the user's choice) marked as selected. */
  sessionList(chosenId$: Observable<string | undefined>): Observable<SessionListView> {
    return sessionListView(this.instance.mirror$, chosenId$);
  }

  /** One session's streaming replies; the bridge forwards only the `llm.*` events it needs. */
  sessionText(sessionId: string): Observable<SessionTextView> {
    return sessionTextView(this.instance.on('llm.start', 'llm.token', 'llm.end'), sessionId, { idleTimeoutMs: 60_000 });
  }

  /** Sends a message (cold: one message per subscription); the reply streams into `sessionText`. */
  send(sessionId: string, content: string): Observable<{ ok: true }> {
    return this.instance.sendMessage(sessionId, content);
  }
}
