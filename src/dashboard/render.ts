/**
 * The dashboard's DOM half: builds elements from view values. Every string from the instance
 * goes in with `textContent` (or `setAttribute` for a tooltip), never `innerHTML`: titles,
 * messages and tool parameters are hostile input.
 *
 * ```ts
 * renderStatus(statusView({ refused: false, fleetReachable: true, instance: 'alive', hasInstance: true }));
 * ```
 */
import type { BridgeFleetMember } from '../codecs/bridge.js';
import type { Session } from '../codecs/payloads.js';
import {
  baseName,
  formatAgo,
  formatDuration,
  oneLine,
  printable,
  type StatusView,
  type ToolRow,
  type Transcript,
  type TranscriptMessage,
} from './view-model.js';

/** The element of this id (the page has it: index.html). */
export const byId = <E extends HTMLElement = HTMLElement>(id: string): E => {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the dashboard page has no #${id}`);
  return found as E;
};

/** A new element with a class and, optionally, text (as `textContent`). */
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag);
  if (className !== undefined) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
};

/** The status pill. */
export const renderStatus = (view: StatusView): void => {
  const pill = byId('status');
  pill.dataset['tone'] = view.tone;
  pill.setAttribute('title', view.detail);
  byId('status-label').textContent = view.label;
};

/** The read-only / control badge, and the composer or the read-only note. */
export const renderControl = (control: boolean | undefined, hasSession: boolean): void => {
  const mode = byId('mode');
  mode.hidden = control === undefined;
  mode.dataset['control'] = String(control === true);
  mode.textContent = control === true ? 'control allowed' : 'read-only';
  byId('composer').hidden = control !== true || !hasSession;
  byId('readonly-note').hidden = control !== false;
};

/** The instance list; `select` is called with a member's id on click. */
export const renderInstances = (members: readonly BridgeFleetMember[], selected: string | undefined, select: (id: string) => void): void => {
  const list = byId('instances');
  list.replaceChildren(
    ...members.map((member) => {
      const item = el('li');
      item.dataset['id'] = member.id;
      item.setAttribute('aria-selected', String(member.id === selected));
      item.setAttribute('title', printable(member.workdir));
      const title = el('div', 'item-title');
      title.append(el('span', undefined, oneLine(baseName(member.workdir), 60)));
      if (member.primary === true) title.append(el('span', 'tag', 'primary'));
      const facts = [member.id.slice(0, 12), member.mode, member.pid === undefined ? undefined : `pid ${member.pid}`].filter((fact) => fact !== undefined);
      item.append(title, el('div', 'item-meta', oneLine(facts.join(' · '), 80)));
      item.addEventListener('click', () => select(member.id));
      return item;
    }),
  );
  byId('instance-count').textContent = String(members.length);
};

/** The session list of the selected instance; `select` is called with a session's id on click. */
export const renderSessions = (
  sessions: readonly Session[],
  activeId: string | undefined,
  selected: string | undefined,
  select: (id: string) => void,
  now: Date,
): void => {
  byId('sessions').replaceChildren(
    ...sessions.map((session) => {
      const item = el('li');
      item.dataset['id'] = session.id;
      item.setAttribute('aria-selected', String(session.id === selected));
      const title = el('div', 'item-title');
      title.append(el('span', 'session-name', oneLine(session.title, 80) || '(untitled)'));
      if (session.id === activeId) title.append(el('span', 'tag active', 'active'));
      const count = `${session.message_count} message${session.message_count === 1 ? '' : 's'}`;
      item.append(title, el('div', 'item-meta', `${count} · ${formatAgo(session.updated_at, now)}`));
      item.addEventListener('click', () => select(session.id));
      return item;
    }),
  );
  byId('session-count').textContent = String(sessions.length);
  byId('sessions-empty').hidden = sessions.length > 0;
};

/** The selected session's heading. */
export const renderSessionHead = (session: Session | undefined): void => {
  byId('session-title').textContent = session === undefined ? 'No session selected' : oneLine(session.title, 120) || '(untitled)';
  byId('session-meta').textContent = session === undefined ? '' : session.id;
};

const messageElement = (message: TranscriptMessage): HTMLElement => {
  const item = el('div', `msg ${message.role === 'user' ? 'user' : 'assistant'}`);
  item.append(el('div', 'who', oneLine(message.role, 20)), el('div', 'body', printable(message.content)));
  return item;
};

/** The transcript, kept scrolled to the bottom when it was there (a reader who scrolled up stays put). */
export const renderTranscript = (transcript: Transcript): void => {
  const box = byId('transcript');
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 48;
  const items = transcript.messages.map(messageElement);
  if (transcript.live !== undefined) {
    const live = el('div', 'msg assistant live');
    live.dataset['status'] = transcript.live.status;
    live.append(el('div', 'who', transcript.live.status === 'streaming' ? 'assistant · streaming' : `assistant · ${transcript.live.status}`));
    live.append(el('div', 'body', printable(transcript.live.text)));
    items.push(live);
  }
  if (items.length === 0) items.push(el('p', 'empty transcript-empty', 'No messages to show in this session yet.'));
  box.replaceChildren(...items);
  if (atBottom) box.scrollTop = box.scrollHeight;
};

/** The tool calls of the selected session, newest first. */
export const renderTools = (rows: readonly ToolRow[]): void => {
  byId('tools').replaceChildren(
    ...[...rows].reverse().map((row) => {
      const item = el('li');
      item.dataset['status'] = row.status;
      const top = el('div', 'tool-top');
      const state = el('span', 'state');
      state.dataset['status'] = row.status;
      state.setAttribute('title', row.status);
      top.append(state, el('span', 'tool-name', oneLine(row.toolName, 60)));
      top.append(el('span', 'duration', row.status === 'running' ? 'running…' : formatDuration(row.durationMs)));
      item.append(top);
      if (row.params !== '') item.append(el('div', 'tool-params', oneLine(row.params, 160)));
      if (row.result !== undefined) item.setAttribute('title', printable(row.result));
      return item;
    }),
  );
  byId('tool-count').textContent = String(rows.length);
  byId('tools-empty').hidden = rows.length > 0;
};

/** A line under the transcript (a failed send, say); empty hides it. */
export const renderNotice = (text: string): void => {
  const notice = byId('notice');
  notice.textContent = oneLine(text, 300);
  notice.hidden = text === '';
};

/** The token form, or the refusal, instead of the dashboard; `undefined` shows the dashboard. */
export const renderGate = (gate: { readonly title: string; readonly text: string; readonly refused: boolean } | undefined): void => {
  byId('gate').hidden = gate === undefined;
  byId('app').hidden = gate !== undefined;
  if (gate === undefined) return;
  byId('gate-form').dataset['refused'] = String(gate.refused);
  byId('gate-title').textContent = gate.title;
  byId('gate-text').textContent = gate.text;
};
