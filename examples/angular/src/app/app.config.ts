import { InjectionToken, provideZonelessChangeDetection, type ApplicationConfig } from '@angular/core';
import { PANDO_CONFIG } from './pando-config';
import type { BridgeSetup } from './view/bridge-config';

/** What the page address said about the bridge (see `bridgeSetupFrom`). */
export const BRIDGE_SETUP = new InjectionToken<BridgeSetup>('BRIDGE_SETUP');

/**
 * The app's providers: zoneless change detection, and the bridge's `{ url, token }` when the
 * page address gave them.
 *
 * ```ts
 * bootstrapApplication(AppComponent, appConfig(bridgeSetupFrom(window.location)));
 * ```
 */
export const appConfig = (setup: BridgeSetup): ApplicationConfig => ({
  providers: [
    provideZonelessChangeDetection(),
    { provide: BRIDGE_SETUP, useValue: setup },
    ...(setup.ok ? [{ provide: PANDO_CONFIG, useValue: setup.config }] : []),
  ],
});
