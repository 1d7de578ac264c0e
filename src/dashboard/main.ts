/**
 * The dashboard served by the bridge at `/`: the instances of its fleet (`watchBridgeFleet`),
 * the selected instance's sessions (`mirror$`), the selected session's transcript and
 * streaming text (`streamText()`), its tool calls with durations (`toolCalls()`), the status
 * (bridge unreachable apart from instance down), and, when the bridge allows control, a box
 * to send a message and an interrupt button. The token comes from the page's fragment
 * (`#token=…`, never sent to the server), or from the form the page shows without one.
 *
 * ```ts
 * // bundled by scripts/build.mjs into dist/dashboard/dashboard.js; index.html loads it.
 * ```
 */
import { Subscription } from 'rxjs';
import type { BridgeFleetMember } from '../codecs/bridge.js';
import type { LivenessStatus } from '../operators/liveness.js';
import type { Mirror } from '../operators/mirrorState.js';
import { ofTopic } from '../operators/ofTopic.js';
import { streamText } from '../operators/streamText.js';
import { toolCalls } from '../operators/toolCalls.js';
import { connectBrowser } from '../observables/connect-browser.js';
import type { RemoteInstance } from '../observables/remote-instance.js';
import { watchBridgeFleet } from '../observables/watch-bridge-fleet.js';
import { probeBridge } from './probe.js';
import {
  byId,
  renderControl,
  renderGate,
  renderInstances,
  renderNotice,
  renderSessionHead,
  renderSessions,
  renderStatus,
  renderTools,
  renderTranscript,
} from './render.js';
import {
  EMPTY_TRANSCRIPT,
  keepSelection,
  runningToolRow,
  statusView,
  tokenFromFragment,
  toolRowOf,
  upsertToolRow,
  withAppended,
  withHistory,
  withStreamed,
  type ToolRow,
  type Transcript,
} from './view-model.js';

/** Everything the page shows, in one place; each change re-renders what it touches. */
interface State {
  refused: boolean;
  fleetReachable: boolean | undefined;
  control: boolean | undefined;
  members: readonly BridgeFleetMember[];
  instanceId: string | undefined;
  instanceStatus: LivenessStatus | undefined;
  mirror: Mirror | undefined;
  sessionId: string | undefined;
  transcript: Transcript;
  tools: readonly ToolRow[];
}

const bridgeUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;

let state: State;
let running = new Subscription();
let instanceSubscription = new Subscription();
let historySubscription = new Subscription();
let pando: RemoteInstance | undefined;

let sending = false;

/** What a failure says, for a notice. */
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Stops following the selected instance: its streams, its history request, its connection. */
const closeInstance = (): void => {
  instanceSubscription.unsubscribe();
  historySubscription.unsubscribe();
  pando?.close();
  pando = undefined;
};

/** Send and Interrupt work while the instance can take them (and Send once at a time). */
const showComposer = (): void => {
  const online = state.fleetReachable === true && (state.instanceStatus === 'alive' || state.instanceStatus === 'stale');
  byId<HTMLButtonElement>('send').disabled = !online || sending;
  byId<HTMLButtonElement>('interrupt').disabled = !online;
};

const showStatus = (): void => {
  renderStatus(
    statusView({ refused: state.refused, fleetReachable: state.fleetReachable, instance: state.instanceStatus, hasInstance: state.instanceId !== undefined }),
  );
  showComposer();
};

const showSessions = (): void => {
  renderSessions(state.mirror?.sessions ?? [], state.mirror?.activeSessionId, state.sessionId, selectSession, new Date());
  renderSessionHead(state.sessionId === undefined ? undefined : state.mirror?.get(state.sessionId));
  renderControl(state.control, state.sessionId !== undefined);
};

const showTools = (): void => renderTools(state.tools.filter((row) => row.sessionId === state.sessionId));

/** The stored messages of the selected session, under what streamed meanwhile. */
const loadHistory = (): void => {
  historySubscription.unsubscribe();
  const sessionId = state.sessionId;
  if (pando === undefined || sessionId === undefined) return;
  historySubscription = pando.listMessages(sessionId).subscribe({
    next: (messages) => {
      if (state.sessionId !== sessionId) return;
      state.transcript = withHistory(state.transcript, messages.map(({ id, role, content }) => ({ id, role, content })));
      renderTranscript(state.transcript);
    },
    error: (error: unknown) => renderNotice(`Could not load the messages: ${messageOf(error)}`),
  });
};

function selectSession(sessionId: string | undefined): void {
  if (sessionId === state.sessionId) return;
  state.sessionId = sessionId;
  state.transcript = EMPTY_TRANSCRIPT;
  renderNotice('');
  renderTranscript(state.transcript);
  showSessions();
  showTools();
  loadHistory();
}

/** A stream of the instance that fails (it should not) says so under the transcript. */
const observe = <T>(next: (value: T) => void) => ({
  next,
  error: (error: unknown) => renderNotice(`A stream of the instance failed: ${messageOf(error)}`),
});

/** Opens one instance of the bridge (closing the one before): its status, mirror, text and tool calls. */
function selectInstance(instanceId: string | undefined): void {
  if (instanceId === state.instanceId) return;
  closeInstance();
  Object.assign(state, { instanceId, instanceStatus: undefined, mirror: undefined, sessionId: undefined, transcript: EMPTY_TRANSCRIPT, tools: [] });
  renderInstances(state.members, instanceId, selectInstance);
  renderTranscript(state.transcript);
  showSessions();
  showTools();
  showStatus();
  if (instanceId === undefined) return;
  const remote = connectBrowser({ url: bridgeUrl, token: token!, instance: instanceId });
  pando = remote;
  instanceSubscription = new Subscription();
  instanceSubscription.add(
    remote.status$.subscribe(observe((status) => {
      const recovered = status === 'alive' && (state.instanceStatus === 'unreachable' || state.instanceStatus === 'down');
      state.instanceStatus = status;
      showStatus();
      if (recovered) loadHistory();
    })),
  );
  instanceSubscription.add(
    remote.mirror$.subscribe(observe((mirror) => {
      state.mirror = mirror;
      const ids = mirror.sessions.map((session) => session.id);
      const next = keepSelection(ids, state.sessionId, mirror.activeSessionId);
      if (next !== state.sessionId) selectSession(next);
      else showSessions();
    })),
  );
  instanceSubscription.add(
    remote.events$.pipe(streamText()).subscribe(observe((text) => {
      if (text.sessionId !== state.sessionId) return;
      state.transcript = withStreamed(state.transcript, text);
      renderTranscript(state.transcript);
    })),
  );
  instanceSubscription.add(
    remote.events$.pipe(ofTopic('message.append')).subscribe(observe(({ payload }) => {
      if (payload.session_id !== state.sessionId) return;
      state.transcript = withAppended(state.transcript, { id: payload.message_id, role: payload.role, content: payload.content });
      renderTranscript(state.transcript);
    })),
  );
  instanceSubscription.add(
    remote.events$.pipe(ofTopic('tool.start')).subscribe(observe(({ payload }) => {
      state.tools = upsertToolRow(state.tools, runningToolRow(payload));
      showTools();
    })),
  );
  instanceSubscription.add(
    remote.events$.pipe(toolCalls()).subscribe(observe((call) => {
      state.tools = upsertToolRow(state.tools, toolRowOf(call));
      showTools();
    })),
  );
}

/** How often the page asks why the bridge cannot be reached, while it cannot. */
const PROBE_INTERVAL_MS = 2000;
let probing: ReturnType<typeof setInterval> | undefined;

/** Tells "refused" (the bridge answers, but not to this token) from "unreachable", until the fleet side is back. */
const probe = (): void => {
  const given = token;
  if (given === undefined) return;
  void probeBridge(bridgeUrl, given).then((result) => {
    if (given !== token || state.fleetReachable !== false) return;
    const refused = result === 'refused';
    if (refused === state.refused) return;
    state.refused = refused;
    showStatus();
    renderGate(
      refused
        ? {
            title: 'The bridge refused this token',
            text: 'Paste the token that pando-rx bridge printed: a restarted bridge prints a new one (unless given --token). A bridge at its connection limit refuses too.',
            refused: true,
          }
        : undefined,
    );
  });
};

const stopProbing = (): void => {
  if (probing !== undefined) clearInterval(probing);
  probing = undefined;
};

const startProbing = (): void => {
  if (probing !== undefined) return;
  probe();
  probing = setInterval(probe, PROBE_INTERVAL_MS);
};

let token: string | undefined;

/** Starts (or restarts, with another token) everything the page shows. */
const start = (given: string): void => {
  running.unsubscribe();
  closeInstance();
  token = given;
  state = { refused: false, fleetReachable: undefined, control: undefined, members: [], instanceId: undefined, instanceStatus: undefined, mirror: undefined, sessionId: undefined, transcript: EMPTY_TRANSCRIPT, tools: [] };
  renderGate(undefined);
  byId('where').textContent = bridgeUrl;
  showStatus();
  showSessions();
  running = watchBridgeFleet({ url: bridgeUrl, token: given }).subscribe({
    next: (fleet) => {
      state.fleetReachable = fleet.reachable;
      state.control = fleet.control;
      if (!fleet.reachable) {
        showStatus();
        startProbing();
        return;
      }
      stopProbing();
      if (state.refused) renderGate(undefined);
      state.refused = false;
      state.members = fleet.members;
      const next = keepSelection(fleet.members.map((member) => member.id), state.instanceId);
      renderInstances(state.members, state.instanceId, selectInstance);
      selectInstance(next);
      showSessions();
      showStatus();
    },
    error: (error: unknown) => renderNotice(messageOf(error)),
  });
  // "3 min ago" moves on.
  const tick = setInterval(showSessions, 15_000);
  running.add(() => clearInterval(tick));
  running.add(stopProbing);
};

const wire = (): void => {
  byId<HTMLFormElement>('gate-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const given = byId<HTMLInputElement>('gate-token').value.trim();
    if (given === '') return;
    history.replaceState(null, '', `#token=${encodeURIComponent(given)}`);
    start(given);
  });
  const message = byId<HTMLTextAreaElement>('message');
  const send = (): void => {
    const content = message.value.trim();
    const sessionId = state.sessionId;
    if (content === '' || sessionId === undefined || pando === undefined) return;
    if (sending) return;
    sending = true;
    showComposer();
    renderNotice('');
    const done = (): void => {
      sending = false;
      showComposer();
    };
    pando.sendMessage(sessionId, content).subscribe({
      next: () => {
        message.value = '';
      },
      error: (error: unknown) => {
        done();
        renderNotice(`Not sent: ${messageOf(error)}`);
      },
      complete: done,
    });
  };
  byId<HTMLFormElement>('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    send();
  });
  message.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) send();
  });
  byId('interrupt').addEventListener('click', () => {
    if (pando === undefined || state.sessionId === undefined) return;
    pando.interrupt(state.sessionId).subscribe({ error: (error: unknown) => renderNotice(`Not interrupted: ${messageOf(error)}`) });
  });
  const fromFragment = tokenFromFragment(location.hash);
  if (fromFragment === undefined) {
    renderGate({ title: 'Connect to the bridge', text: 'This page needs the token that pando-rx bridge printed (the address it prints carries it after #token=).', refused: false });
    byId('status-label').textContent = 'no token';
    return;
  }
  start(fromFragment);
};

wire();
