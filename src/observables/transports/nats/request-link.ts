import { createInbox, type NatsConnection, type Subscription } from 'nats';
import type { LinkSink, RequestLink, RequestLinkSignal } from '../../transport.js';
import type { SharedNatsConnection } from './nats-connection.js';
import { RelayErrorCode, requestSubject } from './subjects.js';

/** How many unanswered requests a link remembers (for a "no relay" answer); the oldest go first. */
const MAX_REMEMBERED = 10_000;

const encoder = new TextEncoder();

/** The id (`""` when it has none we can read) and the method of a JSON-RPC request. */
const readRequest = (json: string): { id: string; method: string } => {
  try {
    const { id, method } = JSON.parse(json) as { id?: unknown; method?: unknown };
    return { id: typeof id === 'string' ? id : '', method: typeof method === 'string' ? method : '' };
  } catch {
    return { id: '', method: '' };
  }
};

/**
 * A {@link RequestLink} over NATS request-reply, to the relay that serves one instance.
 *
 * Each request is published on `pando.<instance>.rpc` (a method that reads) or
 * `pando.<instance>.ctl` (any other: control) with its own reply subject under one
 * inbox of the link (`<inbox>.<n>`), so that replies, in any order, come back to this link
 * alone and a "no responders" status (no relay serves the instance) names the request it
 * answers: it is reported as a JSON-RPC error reply `RelayErrorCode.NoRelay` with the
 * request's id (nothing was delivered). A publish that the server refuses (a permissions
 * violation, which NATS reports later, on the connection, naming only the subject) answers
 * every request still waiting on that subject with `RelayErrorCode.PermissionDenied`.
 *
 * `send` answers `false` at once while the NATS server cannot be reached (nothing is buffered
 * in the NATS client for later), `true` once the request is handed to the connection.
 * Signals: `connected` then `ready` when the connection is up, `unreachable` when it drops.
 */
export function openNatsRequestLink(shared: SharedNatsConnection, instanceId: string, sink: LinkSink<RequestLinkSignal>): RequestLink {
  const inbox = createInbox();
  /** The requests not answered yet, by reply number: their JSON-RPC id and the subject they went to. */
  const ids = new Map<number, { readonly id: string; readonly subject: string }>();
  let sequence = 0;
  let connection: NatsConnection | undefined;
  let replies: Subscription | undefined;
  let closed = false;

  const onReply = (subject: string, data: Uint8Array, noResponders: boolean): void => {
    if (closed) return;
    const n = Number(subject.slice(inbox.length + 1));
    const request = ids.get(n);
    ids.delete(n);
    if (noResponders) {
      if (request !== undefined) refuse(request.id, RelayErrorCode.NoRelay, `no relay serves instance ${instanceId} (not delivered)`);
      return;
    }
    sink.next({ kind: 'reply', frame: data });
  };

  /** Answers a request with a JSON-RPC error of our own: nothing was delivered. */
  const refuse = (id: string, code: number, message: string): void => {
    sink.next({ kind: 'reply', frame: encoder.encode(JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } })) });
  };

  const leave = shared.join({
    up: (nc) => {
      if (closed) return;
      if (connection !== nc) {
        connection = nc;
        replies = nc.subscribe(`${inbox}.>`, {
          callback: (err, msg) => {
            if (err === null) onReply(msg.subject, msg.data, msg.headers?.code === 503 && msg.data.length === 0);
          },
        });
      }
      sink.next({ kind: 'connected' });
      sink.next({ kind: 'ready' });
    },
    down: () => {
      if (!closed) sink.next({ kind: 'unreachable' });
    },
    denied: ({ operation, subject }) => {
      if (closed || operation !== 'publish') return;
      // The server names the subject, not the request: every request still waiting on it was refused.
      for (const [n, request] of [...ids]) {
        if (request.subject !== subject) continue;
        ids.delete(n);
        refuse(request.id, RelayErrorCode.PermissionDenied, `the NATS server refused this client's publish to ${subject} (permissions): not delivered`);
      }
    },
  });

  return {
    send: (json) => {
      const nc = shared.current;
      if (closed || nc === undefined || nc !== connection) return false;
      const n = ++sequence;
      const { id, method } = readRequest(json);
      const subject = requestSubject(instanceId, method);
      ids.set(n, { id, subject });
      if (ids.size > MAX_REMEMBERED) ids.delete(ids.keys().next().value!);
      try {
        nc.publish(subject, encoder.encode(json), { reply: `${inbox}.${n}` });
      } catch {
        ids.delete(n);
        return false;
      }
      return true;
    },
    close: () => {
      if (closed) return;
      closed = true;
      if (connection !== undefined && !connection.isClosed()) replies?.unsubscribe();
      ids.clear();
      leave();
    },
  };
}
