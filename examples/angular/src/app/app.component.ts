import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { DashboardComponent } from './dashboard.component';
import { BRIDGE_SETUP } from './app.config';

/**
 * The root: the dashboard when the page address names a bridge and its token, else how to get them.
 *
 * ```ts
 * bootstrapApplication(AppComponent, appConfig(bridgeSetupFrom(window.location)));
 * ```
 */
@Component({
  selector: 'pando-root',
  imports: [DashboardComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (setup.ok) {
      <pando-dashboard />
    } @else {
      <main class="setup" data-testid="setup">
        <h1>pando-rx <small>Angular</small></h1>
        <p>{{ setup.problem }}</p>
        <p>Start the bridge next to Pando:</p>
        <pre>npx pando-rx bridge --allow-origin {{ origin }} --allow-control</pre>
        <p>then open <code>{{ origin }}/?bridge=ws://127.0.0.1:8787/#token=&lt;the printed token&gt;</code>.</p>
      </main>
    }
  `,
})
export class AppComponent {
  readonly setup = inject(BRIDGE_SETUP);
  readonly origin = globalThis.location?.origin ?? 'http://localhost:4200';
}
