import {
  decodeToken,
  encodeToken,
  eventSubject,
  rpcSubject,
  controlSubject,
  requestSubject,
  statusRequestSubject,
  statusSubject,
  subjectForPrefix,
} from '../../src/observables/transports/nats/subjects';

describe('the NATS subject scheme', () => {
  it('keeps plain ids and topic parts as they are', () => {
    expect(eventSubject('a1b2-c3_d', 'llm.token')).toBe('pando.a1b2-c3_d.evt.llm.token');
    expect(eventSubject('abc', 'db.session.created')).toBe('pando.abc.evt.db.session.created');
    expect(rpcSubject('abc')).toBe('pando.abc.rpc');
    expect(statusSubject('abc')).toBe('pando.abc.status');
    expect(statusRequestSubject('abc')).toBe('pando.abc.status.get');
    expect(controlSubject('abc')).toBe('pando.abc.ctl');
  });

  it('sends reads to .rpc and everything else (control, unknown methods) to .ctl', () => {
    for (const method of ['instance.ping', 'session.list', 'session.get', 'message.list', 'state.sync', 'instance.info']) {
      expect(requestSubject('abc', method)).toBe('pando.abc.rpc');
    }
    for (const method of ['message.send', 'session.activate', 'session.interrupt', 'db.write', 'no.such.method', '']) {
      expect(requestSubject('abc', method)).toBe('pando.abc.ctl');
    }
  });

  it('makes any id or topic part one valid token, reversibly', () => {
    for (const text of ['a.b', 'x y', '*', '>', 'tilde~', '', 'été', '127.0.0.1:5551', 'a\u0000b']) {
      const token = encodeToken(text);
      expect(token).toMatch(/^[A-Za-z0-9_~-]+$/);
      expect(decodeToken(token)).toBe(text);
    }
    expect(encodeToken('a b.c')).toBe('a~20b~2Ec');
    expect(eventSubject('x', 'a..b')).toBe('pando.x.evt.a.~.b');
    expect(encodeToken('é')).toBe('~C3~A9');
  });

  it('gives the narrowest subject that carries every frame of a prefix', () => {
    expect(subjectForPrefix('abc', '')).toBe('pando.abc.evt.>');
    expect(subjectForPrefix('abc', 'llm.')).toBe('pando.abc.evt.llm.>');
    expect(subjectForPrefix('abc', 'llm')).toBe('pando.abc.evt.>');
    expect(subjectForPrefix('abc', 'db.session.')).toBe('pando.abc.evt.db.session.>');
    expect(subjectForPrefix('abc', 'llm.tok')).toBe('pando.abc.evt.llm.>');
    expect(subjectForPrefix('abc', 'llm.token\u0000')).toBe('pando.abc.evt.llm.token');
    expect(subjectForPrefix('abc', 'llm.token\u0000{"inst')).toBe('pando.abc.evt.llm.token');
  });
});
