/** Where the bridge is and its token, as `connectBrowser({ url, token })` takes them. */
export interface BridgeConfig {
  /** The bridge's WebSocket URL, e.g. `ws://127.0.0.1:8787/`. */
  readonly url: string;
  /** The token `pando-rx bridge` printed at start. */
  readonly token: string;
}

/** What the page address said: a usable config, or what is missing in words a user can act on. */
export type BridgeSetup = { readonly ok: true; readonly config: BridgeConfig } | { readonly ok: false; readonly problem: string };

/** The bridge `pando-rx bridge` serves by default. */
export const DEFAULT_BRIDGE_URL = 'ws://127.0.0.1:8787/';

/**
 * Reads the bridge's URL and token from the page address: `?bridge=<ws or wss URL>` (default
 * `ws://127.0.0.1:8787/`) and `#token=<token>`. The token travels in the fragment because a
 * browser never sends the fragment to a server: it stays out of the dev server's logs and of
 * `Referer` headers. Pure, so it is tested without a browser.
 *
 * ```ts
 * bridgeSetupFrom({ search: '?bridge=ws://127.0.0.1:8787/', hash: '#token=s3cret-token' });
 * // { ok: true, config: { url: 'ws://127.0.0.1:8787/', token: 's3cret-token' } }
 * ```
 */
export const bridgeSetupFrom = (location: { readonly search: string; readonly hash: string }): BridgeSetup => {
  const url = new URLSearchParams(location.search).get('bridge') ?? DEFAULT_BRIDGE_URL;
  if (!/^wss?:\/\/[^/?#]+/i.test(url)) {
    return { ok: false, problem: `The bridge address "${url}" is not a ws:// or wss:// URL.` };
  }
  const token = new URLSearchParams(location.hash.replace(/^#/, '')).get('token') ?? '';
  if (token === '') {
    return { ok: false, problem: 'The page address has no #token=…: add the token that pando-rx bridge printed at start.' };
  }
  return { ok: true, config: { url, token } };
};
