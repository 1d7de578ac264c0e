import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, input, signal } from '@angular/core';
import { takeUntilDestroyed, toObservable, toSignal } from '@angular/core/rxjs-interop';
import { distinctUntilChanged, switchMap } from 'rxjs';
import { PandoService } from './pando.service';
import { describeSendError } from './view/send-error';
import type { SessionRow } from './view/session-list-view';

/**
 * One session: its streamed replies as they grow (`streamText()`), and a box to send a message
 * (refused with a clear note when the bridge is read-only).
 *
 * ```ts
 * // <pando-session-view [session]="row" />
 * ```
 */
@Component({
  selector: 'pando-session-view',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2>{{ session().title }} <small>{{ session().id }}</small></h2>
    <section class="turns" data-testid="turns" aria-live="polite">
      @for (turn of text()?.turns ?? []; track turn.startedAt.getTime()) {
        <article class="turn" [class.streaming]="turn.status === 'streaming'" data-testid="turn" [attr.data-status]="turn.status">
          <p>{{ turn.text }}</p>
          @if (turn.status !== 'done') {
            <span class="turn-status">{{ turn.status }}</span>
          }
        </article>
      } @empty {
        <p class="empty">Replies stream here as the agent writes them. Send a message, or watch Pando work.</p>
      }
    </section>
    <form class="send" (submit)="send($event)">
      <input
        name="message"
        data-testid="message"
        placeholder="Message the agent…"
        autocomplete="off"
        [value]="draft()"
        (input)="draft.set(field($event).value)"
        [disabled]="sending()"
      />
      <button type="submit" data-testid="send" [disabled]="sending() || draft().trim() === ''">Send</button>
    </form>
    @if (sendError(); as error) {
      <p class="error" data-testid="send-error">{{ error }}</p>
    }
  `,
})
export class SessionViewComponent {
  readonly session = input.required<SessionRow>();

  private readonly pando = inject(PandoService);
  private readonly destroyRef = inject(DestroyRef);
  private readonly sessionId = computed(() => this.session().id);

  /** The streamed text of the shown session, restarted when another session is chosen. */
  readonly text = toSignal(
    toObservable(this.sessionId).pipe(
      distinctUntilChanged(),
      switchMap((id) => this.pando.sessionText(id)),
    ),
  );
  readonly draft = signal('');
  readonly sending = signal(false);
  readonly sendError = signal<string | undefined>(undefined);

  field(event: Event): HTMLInputElement {
    return event.target as HTMLInputElement;
  }

  send(event: Event): void {
    event.preventDefault();
    const content = this.draft().trim();
    if (content === '' || this.sending()) return;
    this.sending.set(true);
    this.sendError.set(undefined);
    this.pando
      .send(this.sessionId(), content)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: () => this.draft.set(''),
        error: (error: unknown) => {
          this.sending.set(false);
          this.sendError.set(describeSendError(error));
        },
        complete: () => this.sending.set(false),
      });
  }
}
