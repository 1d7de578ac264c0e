// A publisher in its own process (so that a busy consumer in the test process cannot slow it
// down): binds an XPUB on loopback, waits for a subscription, then sends `n` llm.token frames as
// fast as it can with no send high-water mark (libzmq never drops them on its side), then one
// `instance.shutdown` frame as the end marker. Reports over IPC; exits when told to.
const zmq = require('zeromq');

const frame = (topic, payload) =>
  `${topic}\u0000${JSON.stringify({ instanceId: 'burst', projectId: '', topic, timestamp: new Date().toISOString(), payload })}`;

(async () => {
  const n = Number(process.argv[2]);
  const pub = new zmq.XPublisher({ linger: 0, sendHighWaterMark: 0 });
  await pub.bind('tcp://127.0.0.1:*');
  process.on('message', () => {
    pub.close();
    process.exit(0);
  });
  process.send({ endpoint: pub.lastEndpoint });
  await pub.receive(); // the first subscription
  const started = Date.now();
  for (let i = 0; i < n; i++) await pub.send(frame('llm.token', { session_id: 's', token: `t${i}` }));
  await pub.send(frame('instance.shutdown', { instance_id: 'burst' }));
  process.send({ sent: n, ms: Date.now() - started });
})();
