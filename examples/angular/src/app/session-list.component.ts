import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import type { SessionListView } from './view/session-list-view';

/**
 * The instance's sessions, newest first; a click chooses the one to show.
 *
 * ```ts
 * // <pando-session-list [list]="list()" (choose)="chosen.set($event)" />
 * ```
 */
@Component({
  selector: 'pando-session-list',
  imports: [DatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2>Sessions <small>{{ list().rows.length }} on {{ list().instanceId }}</small></h2>
    <ul class="sessions" data-testid="sessions">
      @for (row of list().rows; track row.id) {
        <li>
          <button type="button" [class.selected]="row.selected" [attr.aria-current]="row.selected" [attr.data-session]="row.id" (click)="choose.emit(row.id)">
            <span class="title">{{ row.title }}</span>
            @if (row.active) {
              <span class="tag">active</span>
            }
            <span class="meta"><span data-testid="message-count">{{ row.messageCount }}</span> messages · {{ row.updatedAt | date: 'mediumTime' }}</span>
          </button>
        </li>
      } @empty {
        <li class="empty">No sessions yet.</li>
      }
    </ul>
  `,
})
export class SessionListComponent {
  readonly list = input.required<SessionListView>();
  readonly choose = output<string>();
}
