import WebSocket from 'ws';
import { decodeBridgeServerMessage, type BridgeServerMessage } from '../../src/codecs/bridge';

/** A raw client of the bridge, for what connectBrowser would never send. */
export const rawClient = (url: string, options: WebSocket.ClientOptions = {}) => {
  const ws = new WebSocket(url, options);
  const messages: BridgeServerMessage[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    const decoded = decodeBridgeServerMessage(String(data));
    if (decoded._tag === 'Right') messages.push(decoded.right);
    for (const wake of waiters.splice(0)) wake();
  });
  const next = (predicate: (m: BridgeServerMessage) => boolean, guardMs = 5000): Promise<BridgeServerMessage> =>
    new Promise((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`no such message from the bridge; got ${JSON.stringify(messages).slice(0, 600)}`)), guardMs);
      const check = (): void => {
        const found = messages.find(predicate);
        if (found !== undefined) {
          clearTimeout(guard);
          resolve(found);
        } else waiters.push(check);
      };
      check();
    });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  return { ws, messages, next, opened, closed };
};

/** The HTTP status with which the bridge refuses an upgrade. */
export const refusedWith = (url: string, options: WebSocket.ClientOptions = {}): Promise<number> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      ws.terminate();
    });
    ws.once('open', () => {
      ws.close();
      reject(new Error('the bridge accepted the connection'));
    });
    ws.on('error', () => undefined);
  });

