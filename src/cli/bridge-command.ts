/**
 * `bridge`: serves the instance to browsers over a WebSocket (`startBridge()`), in the
 * foreground until Ctrl-C. Prints the URL and the token that `connectBrowser()` needs.
 */
import { firstValueFrom } from 'rxjs';
import { BridgeOptionsError, startBridge, type Bridge } from '../index.js';
import type { Output } from './output.js';
import { CliError, EXIT_OK, aborted$, resolveTarget, usageError, type TargetOptions } from './target.js';

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
}

/** `bridge`: runs until Ctrl-C (or SIGTERM), then closes every connection. */
export const bridge = async (options: BridgeCommandOptions, out: Output): Promise<number> => {
  const { styles } = out;
  const target = await resolveTarget(options, out.io);
  const fromEnv = out.io.env[BRIDGE_TOKEN_ENV];
  const token = options.token ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined);
  let running: Bridge;
  try {
    running = await startBridge(
      { pubEndpoint: target.pubEndpoint, rpcEndpoint: target.rpcEndpoint },
      {
        host: options.host,
        port: options.port,
        ...(token === undefined ? {} : { token }),
        ...(options.allowOrigin === undefined ? {} : { allowedOrigins: options.allowOrigin }),
        allowControl: options.allowControl === true,
        allowNonLoopback: options.allowNonLoopback === true,
        ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
        warn: (message) => out.note([styles.yellow('warning'), `: ${message}`]),
      },
    );
  } catch (error) {
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
        pubEndpoint: target.pubEndpoint,
        rpcEndpoint: target.rpcEndpoint,
      });
    } else {
      out.line([styles.green('ready'), `: bridge to the instance at ${target.pubEndpoint} / ${target.rpcEndpoint} (${target.detail})`]);
      out.line(`  url      ${running.url}`);
      out.line(`  token    ${running.token}`);
      out.line(['  control  ', running.allowControl ? styles.yellow('allowed (message.send, session.interrupt, session.activate)') : 'read-only']);
      out.line(styles.dim(`connectBrowser({ url: '${running.url}', token }) · Ctrl-C to stop`));
    }
    await firstValueFrom(aborted$(out.io.signal));
  } finally {
    const stats = running.stats();
    await running.close();
    if (options.json === true) out.json({ event: 'stopped', ...stats });
    else out.line(`stopped (${stats.refusedConnections} connections and ${stats.refusedMessages} messages refused, ${stats.droppedFrames} frames dropped and ${stats.coalescedTokens} tokens joined for slow browsers)`);
  }
  return EXIT_OK;
};
