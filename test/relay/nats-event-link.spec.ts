import { connect, type NatsConnection } from 'nats';
import { NatsTransport } from '../../src/observables/transports/nats/nats-transport.js';
import { eventSubject, statusRequestSubject } from '../../src/observables/transports/nats/subjects';
import type { EventLinkSignal } from '../../src/observables/transport';
import { startNatsServer, type NatsServer } from '../helpers/nats-server';

const encoder = new TextEncoder();
const frameOf = (topic: string, json = '{}'): Uint8Array => encoder.encode(`${topic}\u0000${json}`);
const text = (frame: Uint8Array): string => new TextDecoder().decode(frame).split('\u0000')[0]!;

describe('the NATS event link (real nats-server, a hand-made relay)', () => {
  let server: NatsServer;
  let relay: NatsConnection;
  beforeAll(async () => {
    server = await startNatsServer();
    relay = await connect({ servers: server.url });
    // Answers the status of instance "i" as up, as a relay would.
    relay.subscribe(statusRequestSubject('i'), { callback: (_err, msg) => msg.respond(encoder.encode('{"instanceId":"i","state":"up"}')) });
    await relay.flush();
  });
  afterAll(async () => {
    await relay.close();
    await server.kill();
  });

  it('says unreachable when the relay falls silent for three of its status periods (a killed relay)', async () => {
    const silent = await connect({ servers: server.url });
    // A relay that answers once, promises a status every 50 ms, and then says nothing more.
    silent.subscribe(statusRequestSubject('quiet'), { callback: (_err, msg) => msg.respond(encoder.encode('{"instanceId":"quiet","state":"up","everyMs":50}')) });
    await silent.flush();
    const kinds: string[] = [];
    let resolveGone!: () => void;
    const gone = new Promise<void>((resolve) => (resolveGone = resolve));
    const link = new NatsTransport({ servers: server.url }).openEvents('quiet', {
      next: (signal) => {
        kinds.push(signal.kind);
        if (signal.kind === 'unreachable') resolveGone();
      },
      error: (err) => {
        throw err;
      },
    });
    const started = Date.now();
    try {
      await gone;
      expect(kinds).toEqual(['connected', 'unreachable']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      link.close();
      await silent.close();
    }
  });

  it('reports each frame once, even on overlapping subscriptions, and only frames of a subscribed prefix', async () => {
    const signals: EventLinkSignal[] = [];
    let connected!: () => void;
    const up = new Promise<void>((resolve) => (connected = resolve));
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const link = new NatsTransport({ servers: server.url }).openEvents('i', {
      next: (signal) => {
        signals.push(signal);
        if (signal.kind === 'connected') connected();
        if (signal.kind === 'frame' && text(signal.frame) === 'done.marker') finished();
      },
      error: (err) => {
        throw err;
      },
    });
    try {
      link.subscribe('llm.');
      link.subscribe('llm.token\u0000');
      link.subscribe('tool.st'); // ends inside a topic part: tool.start passes, tool.end does not
      link.subscribe('done.');
      await up; // reported once the subscriptions reached the server and the relay answered
      for (const topic of ['llm.token', 'llm.end', 'tool.end', 'tool.start', 'session.update', 'done.marker']) {
        relay.publish(eventSubject('i', topic), frameOf(topic));
      }
      await done;
      const frames = signals.flatMap((signal) => (signal.kind === 'frame' ? [text(signal.frame)] : []));
      expect(frames).toEqual(['llm.token', 'llm.end', 'tool.start', 'done.marker']);
    } finally {
      link.close();
    }
  });
});
