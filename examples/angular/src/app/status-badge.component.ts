import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import type { StatusView } from './view/status-view';

/**
 * The instance's status as a coloured badge with a one-line hint.
 *
 * ```ts
 * // <pando-status-badge [status]="status()" />
 * ```
 */
@Component({
  selector: 'pando-status-badge',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <span class="badge" [class]="'badge tone-' + status().tone" data-testid="status">{{ status().label }}</span>
    <span class="hint">{{ status().hint }}</span>
  `,
})
export class StatusBadgeComponent {
  readonly status = input.required<StatusView>();
}
