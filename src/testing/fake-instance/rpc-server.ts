import { Subscription, delay, from } from 'rxjs';
import type * as zmq from 'zeromq';
import { RpcErrorCode } from '../../codecs/rpc.js';
import type { MethodRegistry } from './methods.js';
import type { ReleaseOrder, ReplyControls } from './reply-controls.js';
import { readRequest } from './request-reader.js';
import type { RecordedRequest, RequestLog, RpcReplyJson } from './request-log.js';
import { sendQueue, type SendQueue } from './send-queue.js';

/**
 * The fake instance's ROUTER socket: reads each request (the last frame of a message, as Pando
 * does), records it, executes it at once, and sends its reply `[routing id][empty][JSON]` as the
 * reply controls say (now, later, never, or when released).
 */

interface OutgoingReply {
  readonly to: Buffer;
  readonly request: RecordedRequest;
  readonly reply: RpcReplyJson;
}

const parseError = (detail: string): RpcReplyJson => ({
  jsonrpc: '2.0',
  id: '',
  error: { code: RpcErrorCode.ParseError, message: `ipc: parse error: ${detail}` },
});

/**
 * Serves JSON-RPC on a bound ROUTER socket until `close`.
 *
 * ```ts
 * const server = new RpcServer(router, log, methods, controls);
 * // … requests are answered …
 * await server.close();
 * ```
 */
export class RpcServer {
  private socket: zmq.Router | undefined;
  private closing = false;
  private readonly queue: SendQueue<OutgoingReply>;
  /** Replies waiting for their handler or their delay; dropped on close. */
  private readonly pending = new Subscription();

  constructor(
    socket: zmq.Router,
    private readonly log: RequestLog,
    private readonly methods: MethodRegistry,
    private readonly controls: ReplyControls<Buffer>,
  ) {
    this.socket = socket;
    this.queue = sendQueue(async ({ to, request, reply }) => {
      const router = this.socket;
      if (this.closing || router === undefined || router.closed) return;
      await router.send([to, '', JSON.stringify(reply)]);
      this.log.recordReply(request, reply);
    });
    void this.receiveLoop(socket);
  }

  /** Stops holding and sends every held reply in `order`; resolves to how many, once sent. */
  async releaseReplies(order: ReleaseOrder): Promise<number> {
    const released = await this.controls.release(order);
    for (const { to, request, json } of released) void this.queue.push({ to, request, reply: json }).catch(() => undefined);
    await this.queue.drained();
    return released.length;
  }

  /** Stops answering (pending, delayed and held replies are never sent) and closes the socket. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.pending.unsubscribe();
    this.controls.clear();
    await this.queue.drained();
    const router = this.socket;
    this.socket = undefined;
    router?.close();
  }

  private async receiveLoop(router: zmq.Router): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await router.receive();
      } catch {
        // Closed by close() (the pending receive is rejected), or a failure of the socket
        // itself: either way nothing more can be read.
        return;
      }
      if (this.closing || frames.length < 2) continue;
      this.serve(frames[0]!, frames[frames.length - 1]!);
    }
  }

  /** Records a request, executes it at once, and routes its reply through the reply controls. */
  private serve(to: Buffer, body: Buffer): void {
    const read = readRequest(body);
    const request = this.log.recordRequest(
      read.ok
        ? { id: read.request.id ?? '', method: read.request.method, params: read.request.params, valid: true, text: read.text }
        : { id: '', method: '', params: undefined, valid: false, text: read.text },
    );
    const verdict = this.controls.verdictFor(request);
    const reply = read.ok ? this.methods.answer(request, read.request.params) : Promise.resolve(parseError(read.detail));
    if (verdict.kind === 'hold') {
      this.controls.keep({ request, to, reply });
      return;
    }
    if (verdict.kind === 'drop') return; // executed, never answered
    const send = (json: RpcReplyJson) => void this.queue.push({ to, request, reply: json }).catch(() => undefined);
    const ready$ = from(reply);
    this.pending.add((verdict.delayMs > 0 ? ready$.pipe(delay(verdict.delayMs)) : ready$).subscribe(send));
  }
}
