import type { Session } from '../codecs/payloads.js';
import type { MessageRecord } from '../codecs/rpc.js';

/**
 * Seed data of the fake instance: sessions and their messages, with times built from whole
 * Unix seconds as Pando builds them.
 */

/** A time truncated to whole seconds, as Pando's `time.Unix(sec, 0)` (default: now). */
export const wholeSeconds = (date: Date = new Date()): Date => new Date(Math.floor(date.getTime() / 1000) * 1000);

/** The sessions and messages a fake instance starts with when given none. */
export interface SeedData {
  readonly sessions: Session[];
  readonly messages: Record<string, MessageRecord[]>;
}

/** The ids of the two default sessions (`defaultSeed`), oldest first. */
export const DEFAULT_SESSION_IDS = ['5b0c7a52-3f2e-4d8b-9a41-2c6f1e8d7b30', 'e9a4d1f6-8c2b-4f57-b1d3-7a0e5c9f2468'] as const;

const minutesBefore = (now: Date, minutes: number): Date => wholeSeconds(new Date(now.getTime() - minutes * 60_000));

/**
 * Two realistic sessions, updated an hour and two minutes before `now`, each with as many
 * stored messages as its `message_count` says. Ids are fixed, so tests and docs can name them:
 * `DEFAULT_SESSION_IDS`.
 */
export const defaultSeed = (now: Date = new Date()): SeedData => {
  const [first, second] = DEFAULT_SESSION_IDS;
  const message = (id: string, role: 'user' | 'assistant', content: string, minutes: number): MessageRecord => ({
    id,
    role,
    content,
    created_at: minutesBefore(now, minutes),
  });
  const messages: Record<string, MessageRecord[]> = {
    [first]: [
      message('0c1e7f3a-51d2-4b8e-9f60-1a2b3c4d5e01', 'user', 'The login test fails one run in ten. Can you find out why?', 62),
      message('0c1e7f3a-51d2-4b8e-9f60-1a2b3c4d5e02', 'assistant', 'It waits on a fixed 100 ms sleep before clicking; the button is not always ready.', 61),
      message('0c1e7f3a-51d2-4b8e-9f60-1a2b3c4d5e03', 'user', 'Make it wait for the button instead.', 61),
      message('0c1e7f3a-51d2-4b8e-9f60-1a2b3c4d5e04', 'assistant', 'Done: the test now waits for the button to be enabled.', 60),
    ],
    [second]: [
      message('7d2f9b1c-83a4-4c6e-a5b7-9e8d7c6b5a01', 'user', 'Add a CSV export to the monthly report page.', 3),
      message('7d2f9b1c-83a4-4c6e-a5b7-9e8d7c6b5a02', 'assistant', 'I added an "Export CSV" button that downloads the table as shown.', 2),
    ],
  };
  const sessions: Session[] = [
    { id: first, title: 'Fix the flaky login test', updated_at: minutesBefore(now, 60), message_count: 4 },
    { id: second, title: 'CSV export for monthly reports', updated_at: minutesBefore(now, 2), message_count: 2 },
  ];
  return { sessions, messages };
};
