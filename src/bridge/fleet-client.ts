import type { WebSocket } from 'ws';
import { BRIDGE_PROTOCOL_VERSION, decodeBridgeClientMessage, encodeBridgeMessage, type BridgeErrorCode, type BridgeServerMessage } from '../codecs/bridge.js';
import type { BridgeInstances } from './bridge-instances.js';

/**
 * One browser connection to the bridge's `fleet` side: `hello`, then `members` (everyone now),
 * then `joined` and `left` as instances come and go. It takes no message from the browser: any
 * is answered with an `error` and counted.
 *
 * ```ts
 * const client = new FleetClient(ws, instances, allowControl, onRefused);
 * ws.on('close', () => client.close());
 * ```
 */
export class FleetClient {
  private readonly stop: () => void;

  constructor(
    private readonly ws: WebSocket,
    instances: BridgeInstances,
    allowControl: boolean,
    private readonly onRefused: (code: BridgeErrorCode, detail: string) => void,
  ) {
    this.post({ type: 'hello', version: BRIDGE_PROTOCOL_VERSION, control: allowControl });
    this.post({ type: 'members', members: [...instances.members()] });
    this.stop = instances.listen((change) =>
      this.post(change.kind === 'joined' ? { type: 'joined', member: change.member } : { type: 'left', id: change.id }),
    );
  }

  /** One message from the browser (its text): the fleet side takes none. */
  receive(text: string): void {
    const decoded = decodeBridgeClientMessage(text);
    const detail = decoded._tag === 'Left' ? decoded.left.message : `${decoded.right.type} goes over a side=events or side=requests connection`;
    this.onRefused('bad-message', detail);
    this.post({ type: 'error', code: 'bad-message', message: detail });
  }

  /** Stop telling this connection about changes. Idempotent. */
  close(): void {
    this.stop();
  }

  private post(message: BridgeServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeBridgeMessage(message));
  }
}
