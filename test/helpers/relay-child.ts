/**
 * A relay in a process of its own, for tests that kill it (SIGKILL: no leave message). Bundled
 * and started by `startRelayProcess()`; arguments: the NATS URL, the registry directory, the
 * status period in ms. Prints `ready` once it relays an instance; SIGTERM closes it.
 */
import { filter, firstValueFrom } from 'rxjs';
import { startRelay } from '../../src/relay/start-relay.js';

const [servers, registryDir, statusIntervalMs] = process.argv.slice(2);

void (async () => {
  const relay = await startRelay({ nats: { servers: servers! }, registryDir: registryDir!, pollIntervalMs: 50, statusIntervalMs: Number(statusIntervalMs) });
  process.once('SIGTERM', () => void relay.close().then(() => process.exit(0)));
  await firstValueFrom(relay.instances$.pipe(filter((ids) => ids.length > 0)));
  process.stdout.write('ready\n');
})().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
