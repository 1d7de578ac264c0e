/**
 * `bridge`: serves the instance (or with `--fleet` every instance of the host, or with
 * `--simulate` a fake one) to browsers over a WebSocket (`startBridge()`), with the dashboard
 * at `/`, in the foreground until Ctrl-C. Prints the URL and the token that `connectBrowser()`
 * needs, and the dashboard's address with the token in its fragment.
 */
import { firstValueFrom } from 'rxjs';
import { BridgeOptionsError, startBridge, type Bridge, type BridgeTarget } from '../index.js';
import { startFakeInstance, type FakeInstance } from '../testing/index.js';
import type { Output } from './output.js';
import { demoScript } from './scenario.js';
import { CliError, EXIT_OK, aborted$, registryDirFor, resolveTarget, usageError, type TargetOptions } from './target.js';

/** The environment variable a token may come from (so that it stays out of `ps`). */
export const BRIDGE_TOKEN_ENV = 'PANDO_RX_BRIDGE_TOKEN';

/** Options of `bridge`. */
export interface BridgeCommandOptions extends TargetOptions {
  readonly host: string;
  readonly port: number;
  readonly token?: string;
  readonly allowOrigin?: readonly string[];
  readonly allowControl?: boolean;
  readonly allowNonLoopback?: boolean;
  readonly maxConnections?: number;
  /** Serve every instance of the registry (a browser names its instance). */
  readonly fleet?: boolean;
  /** Start a fake instance in this process and serve it (control allowed: it has nothing to protect). */
  readonly simulate?: boolean;
}

/** The address of the dashboard, with the token in the fragment (never sent to the server). */
const dashboardUrl = (bridgeUrl: string, token: string): string =>
  `${bridgeUrl.replace(/^ws/, 'http')}#token=${encodeURIComponent(token)}`;

/** What the bridge serves, in words, and its target. */
interface Served {
  readonly target: BridgeTarget;
  readonly what: string;
  readonly fake?: FakeInstance;
}

const chooseTarget = async (options: BridgeCommandOptions, out: Output): Promise<Served> => {
  const named = options.workdir !== undefined || options.pub !== undefined || options.rpc !== undefined;
  if (options.fleet === true && options.simulate === true) throw usageError('give --fleet or --simulate, not both');
  if (named && (options.fleet === true || options.simulate === true)) {
    throw usageError(`--${options.fleet === true ? 'fleet' : 'simulate'} serves its own instances: leave out --workdir and --pub/--rpc`);
  }
  if (options.fleet === true) {
    const registryDir = registryDirFor(out.io, options.registry);
    return { target: { fleet: true, registryDir }, what: `every instance of the registry ${registryDir}` };
  }
  if (options.simulate === true) {
    const fake = await startFakeInstance({ mode: 'full', tokenIntervalMs: 40, heartbeatIntervalMs: 5000, script: demoScript });
    const target = { pubEndpoint: fake.pubEndpoint, rpcEndpoint: fake.rpcEndpoint, instanceId: fake.instanceId, path: 'simulated' };
    return { target, what: `a simulated instance (${fake.instanceId}) at ${fake.pubEndpoint} / ${fake.rpcEndpoint}`, fake };
  }
  const target = await resolveTarget(options, out.io);
  return {
    target: {
      pubEndpoint: target.pubEndpoint,
      rpcEndpoint: target.rpcEndpoint,
      path: target.workdir,
      ...(target.instanceId === undefined ? {} : { instanceId: target.instanceId }),
    },
    what: `the instance at ${target.pubEndpoint} / ${target.rpcEndpoint} (${target.detail})`,
  };
};

/** `bridge`: runs until Ctrl-C (or SIGTERM), then closes every connection. */
export const bridge = async (options: BridgeCommandOptions, out: Output): Promise<number> => {
  const { styles } = out;
  const served = await chooseTarget(options, out);
  const fromEnv = out.io.env[BRIDGE_TOKEN_ENV];
  const token = options.token ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined);
  let running: Bridge;
  try {
    running = await startBridge(served.target, {
        host: options.host,
        port: options.port,
        ...(token === undefined ? {} : { token }),
        ...(options.allowOrigin === undefined ? {} : { allowedOrigins: options.allowOrigin }),
        allowControl: options.allowControl === true || options.simulate === true,
        allowNonLoopback: options.allowNonLoopback === true,
        ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
        warn: (message) => out.note([styles.yellow('warning'), `: ${message}`]),
      });
  } catch (error) {
    await served.fake?.stop({ silent: true });
    if (error instanceof BridgeOptionsError) throw usageError(error.message);
    const text = error instanceof Error ? error.message : String(error);
    throw new CliError(`cannot start the bridge on ${options.host}:${options.port}: ${text}`);
  }
  try {
    if (options.json === true) {
      out.json({
        event: 'ready',
        url: running.url,
        token: running.token,
        control: running.allowControl,
        fleet: running.fleet,
        dashboard: dashboardUrl(running.url, running.token),
        ...(served.target.pubEndpoint === undefined ? {} : { pubEndpoint: served.target.pubEndpoint, rpcEndpoint: served.target.rpcEndpoint }),
      });
    } else {
      out.line([styles.green('ready'), `: bridge to ${served.what}`]);
      out.line(['  open     ', styles.bold(dashboardUrl(running.url, running.token)), styles.dim('  (the dashboard)')]);
      out.line(`  url      ${running.url}`);
      out.line(`  token    ${running.token}`);
      out.line(['  control  ', running.allowControl ? styles.yellow('allowed (message.send, session.interrupt, session.activate)') : 'read-only']);
      out.line(
        styles.dim(
          running.fleet
            ? `watchBridgeFleet({ url: '${running.url}', token }), connectBrowser({ url: '${running.url}', token, instance }) · Ctrl-C to stop`
            : `connectBrowser({ url: '${running.url}', token }) · Ctrl-C to stop`,
        ),
      );
    }
    await firstValueFrom(aborted$(out.io.signal));
  } finally {
    const stats = running.stats();
    await running.close();
    await served.fake?.stop({ silent: true });
    if (options.json === true) out.json({ event: 'stopped', ...stats });
    else out.line(`stopped (${stats.refusedConnections} connections and ${stats.refusedMessages} messages refused, ${stats.droppedFrames} frames dropped and ${stats.coalescedTokens} tokens joined for slow browsers)`);
  }
  return EXIT_OK;
};
