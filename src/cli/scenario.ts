/**
 * The scripted agent of the `npm start` demo and of `pando-rx simulate --play-every`: short
 * answers streamed word by word, each with one tool call.
 */
import type { TurnScript } from '../testing/index.js';

/** What the simulated user asks, in turn. */
export const PROMPTS = [
  'Why does the login test fail on CI only?',
  'Summarise the open TODOs in src/',
  'Rename the config loader and update its callers',
] as const;

/** A short answer streamed word by word, with one `read_file` call after the fourth token. */
export const demoScript: TurnScript = (_sessionId, content) => ({
  reply: `Looking into "${content}". I read the relevant files, ran the check, and the cause is a timing assumption; I have a fix ready.`,
  toolCalls: [{ name: 'read_file', params: { path: 'src/app.ts' }, result: 'export const app = createApp();', afterToken: 4 }],
});
