import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { PandoService } from './pando.service';
import { SessionListComponent } from './session-list.component';
import { SessionViewComponent } from './session-view.component';
import { StatusBadgeComponent } from './status-badge.component';

/**
 * The live view of one instance: status, session list, and the chosen session's streaming text.
 *
 * ```ts
 * // <pando-dashboard />  (needs PANDO_CONFIG provided)
 * ```
 */
@Component({
  selector: 'pando-dashboard',
  imports: [StatusBadgeComponent, SessionListComponent, SessionViewComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <header class="bar">
      <h1>pando-rx <small>Angular</small></h1>
      @if (status(); as status) {
        <pando-status-badge [status]="status" />
      }
    </header>
    @if (list(); as list) {
      <main class="layout" [class.offline]="status()?.status === 'unreachable'">
        <aside><pando-session-list [list]="list" (choose)="chosen.set($event)" /></aside>
        @if (list.selected; as selected) {
          <pando-session-view [session]="selected" />
        }
      </main>
    } @else {
      <p class="loading">Waiting for the first snapshot of the sessions…</p>
    }
  `,
})
export class DashboardComponent {
  private readonly pando = inject(PandoService);

  /** The session the user chose (until then, the active one is shown). */
  readonly chosen = signal<string | undefined>(undefined);
  readonly status = toSignal(this.pando.status$);
  readonly list = toSignal(this.pando.sessionList(toObservable(this.chosen)));
}
