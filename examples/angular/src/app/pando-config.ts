import { InjectionToken } from '@angular/core';
import type { BridgeConfig } from './view/bridge-config';

/**
 * Where `PandoService` finds the bridge: `{ url, token }`. Provide it in the app's config.
 *
 * ```ts
 * providers: [{ provide: PANDO_CONFIG, useValue: { url: 'ws://127.0.0.1:8787/', token } }]
 * ```
 */
export const PANDO_CONFIG = new InjectionToken<BridgeConfig>('PANDO_CONFIG');
