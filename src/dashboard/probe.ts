/** What {@link probeBridge} found. */
export type ProbeResult = 'ok' | 'refused' | 'unreachable';

/**
 * Why the dashboard cannot reach its bridge: the bridge is gone (`unreachable`: not even its
 * page answers), or it answers but refuses this token (`refused`: the page answers and a fresh
 * WebSocket with the token is turned away), or it is there after all (`ok`: the links will
 * reconnect on their next attempt). No endpoint of its own: `HEAD /` and one WebSocket.
 *
 * ```ts
 * if ((await probeBridge('ws://127.0.0.1:8787/', token)) === 'refused') askForTheToken();
 * ```
 */
export const probeBridge = async (bridgeUrl: string, token: string): Promise<ProbeResult> => {
  try {
    const page = await fetch('/', { method: 'HEAD', cache: 'no-store' });
    if (!page.ok) return 'unreachable';
  } catch {
    return 'unreachable';
  }
  return new Promise<ProbeResult>((resolve) => {
    const socket = new WebSocket(`${bridgeUrl}?side=fleet&token=${encodeURIComponent(token)}`);
    socket.onopen = () => {
      socket.onclose = null;
      socket.close();
      resolve('ok');
    };
    socket.onerror = () => undefined; // a close follows
    socket.onclose = () => resolve('refused');
  });
};
