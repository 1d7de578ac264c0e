import {
  EMPTY_TRANSCRIPT,
  MAX_TOOL_ROWS,
  baseName,
  formatAgo,
  formatDuration,
  keepSelection,
  oneLine,
  printable,
  runningToolRow,
  statusView,
  tokenFromFragment,
  toolRowOf,
  upsertToolRow,
  withAppended,
  withHistory,
  withStreamed,
  type ToolRow,
} from '../../src/dashboard/view-model';

const at = (iso: string) => new Date(iso);

describe('the dashboard’s view logic', () => {
  it('reads the token from the fragment only', () => {
    expect(tokenFromFragment('#token=abc%2Fdef')).toBe('abc/def');
    expect(tokenFromFragment('#x=1&token=t1')).toBe('t1');
    expect(tokenFromFragment('')).toBeUndefined();
    expect(tokenFromFragment('#token=')).toBeUndefined();
    expect(tokenFromFragment('#token=%20%20')).toBeUndefined();
  });

  it('shows hostile text as text: control characters and bidi overrides become �, one line stays one line', () => {
    expect(printable('a\u0000b\u0007c\u001bd\u202Ee\u009b')).toBe('a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFD');
    expect(printable('line 1\nline 2\ttab')).toBe('line 1\nline 2\ttab');
    expect(oneLine('  a\n\n b\t c  ')).toBe('a b c');
    expect(oneLine('<b>x</b>')).toBe('<b>x</b>');
    expect(oneLine('abcdefghij', 5)).toBe('abcd…');
  });

  it('formats durations and ages', () => {
    expect(formatDuration(undefined)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
    expect(formatDuration(120.4)).toBe('120 ms');
    expect(formatDuration(1234)).toBe('1.2 s');
    expect(formatDuration(125_000)).toBe('2 min 05 s');
    const now = at('2026-03-01T10:00:00Z');
    expect(formatAgo(at('2026-03-01T09:59:58Z'), now)).toBe('just now');
    expect(formatAgo(at('2026-03-01T09:59:18Z'), now)).toBe('42 s ago');
    expect(formatAgo(at('2026-03-01T09:55:00Z'), now)).toBe('5 min ago');
    expect(formatAgo(at('2026-03-01T07:00:00Z'), now)).toBe('3 h ago');
    expect(formatAgo(at('2026-02-27T10:00:00Z'), now)).toBe('2 d ago');
    expect(baseName('/work/shop-api/')).toBe('shop-api');
    expect(baseName('tcp://127.0.0.1:5')).toBe('127.0.0.1:5');
  });

  it('tells "bridge unreachable" apart from "instance down", and a refused token from both', () => {
    const base = { refused: false, fleetReachable: true, instance: 'alive' as const, hasInstance: true };
    expect(statusView(base)).toMatchObject({ tone: 'ok', label: 'alive' });
    expect(statusView({ ...base, instance: 'down' })).toMatchObject({ tone: 'bad', label: 'instance down' });
    expect(statusView({ ...base, instance: 'unreachable' })).toMatchObject({ tone: 'bad', label: 'bridge unreachable' });
    expect(statusView({ ...base, fleetReachable: false })).toMatchObject({ tone: 'bad', label: 'bridge unreachable' });
    expect(statusView({ ...base, fleetReachable: false, refused: true })).toMatchObject({ tone: 'bad', label: 'refused' });
    expect(statusView({ ...base, instance: 'stale' })).toMatchObject({ tone: 'warn', label: 'stale' });
    expect(statusView({ ...base, fleetReachable: undefined })).toMatchObject({ tone: 'idle', label: 'connecting' });
    expect(statusView({ ...base, instance: undefined, hasInstance: false })).toMatchObject({ tone: 'idle', label: 'no instance' });
    expect(statusView({ ...base, instance: 'connecting' })).toMatchObject({ tone: 'idle', label: 'connecting' });
  });

  it('keeps the selection while it exists, else the preferred, else the first', () => {
    expect(keepSelection(['a', 'b'], 'b', 'a')).toBe('b');
    expect(keepSelection(['a', 'b'], 'gone', 'b')).toBe('b');
    expect(keepSelection(['a', 'b'], undefined)).toBe('a');
    expect(keepSelection([], 'a', 'a')).toBeUndefined();
  });

  it('tool rows: a running call is replaced by its end, with the duration; only the newest are kept', () => {
    const running = runningToolRow({ call_id: 'c1', session_id: 's', tool_name: 'read_file', params: '{}' });
    expect(running).toEqual<ToolRow>({ callId: 'c1', sessionId: 's', toolName: 'read_file', params: '{}', status: 'running' });
    const rows = upsertToolRow([], running);
    const ended = toolRowOf({
      sessionId: 's',
      callId: 'c1',
      toolName: 'read_file',
      params: '{}',
      startedAt: at('2026-03-01T10:00:00Z'),
      endedAt: at('2026-03-01T10:00:00.120Z'),
      durationMs: 120,
      result: 'ok',
      isError: false,
      status: 'ok',
    });
    expect(upsertToolRow(rows, ended)).toEqual([{ callId: 'c1', sessionId: 's', toolName: 'read_file', params: '{}', status: 'ok', durationMs: 120, result: 'ok' }]);
    // Same call id in another session is another call.
    expect(upsertToolRow(rows, { ...running, sessionId: 't' })).toHaveLength(2);
    let many: readonly ToolRow[] = [];
    for (let i = 0; i < MAX_TOOL_ROWS + 5; i++) many = upsertToolRow(many, { ...running, callId: `c${i}` });
    expect(many).toHaveLength(MAX_TOOL_ROWS);
    expect(many[0]?.callId).toBe('c5');
  });

  it('transcript: history under what arrived meanwhile, no doubles; the stored reply replaces the ended live turn', () => {
    const user = { id: 'm1', role: 'user', content: 'hi' };
    const reply = { id: 'm2', role: 'assistant', content: 'hello' };
    let t = withAppended(EMPTY_TRANSCRIPT, user);
    t = withHistory(t, [{ id: 'm0', role: 'assistant', content: 'earlier' }, user]);
    expect(t.messages.map((m) => m.id)).toEqual(['m0', 'm1']);
    expect(withAppended(t, user)).toBe(t);

    const streamed = { sessionId: 's', startedAt: at('2026-03-01T10:00:00Z'), updatedAt: at('2026-03-01T10:00:01Z') };
    t = withStreamed(t, { ...streamed, text: 'hel', status: 'streaming' });
    expect(t.live).toEqual({ text: 'hel', status: 'streaming' });
    // Still streaming: an append does not end the live turn.
    expect(withAppended(t, { id: 'x', role: 'assistant', content: 'other' }).live).toBeDefined();
    t = withStreamed(t, { ...streamed, text: 'hello', status: 'done' });
    const stored = withAppended(t, reply);
    expect(stored.live).toBeUndefined();
    expect(stored.messages.map((m) => m.id)).toEqual(['m0', 'm1', 'm2']);
    // A user message does not end it (Pando in 'pando' mode sends no stored reply at all).
    expect(withAppended(t, { id: 'm3', role: 'user', content: 'again' }).live).toEqual({ text: 'hello', status: 'done' });
  });
});
