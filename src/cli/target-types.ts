/** What a command is pointed at: the options that name an instance, and what they resolved to. */
import type { ResolvedEndpoints } from '../index.js';

/** The options every connecting command takes. */
export interface TargetOptions {
  readonly workdir?: string;
  readonly pub?: string;
  readonly rpc?: string;
  readonly registry?: string;
  readonly timeout: number;
  readonly json?: boolean;
}

/** Where a command connects, and how that was decided. */
export interface Target {
  readonly pubEndpoint: string;
  readonly rpcEndpoint: string;
  /** `flags`: `--pub`/`--rpc`; else as `resolveEndpoints` found it. */
  readonly via: 'flags' | 'lock' | 'registry' | 'ports';
  readonly instanceId?: string;
  /** One line on where the endpoints came from. */
  readonly detail: string;
  /** What discovery passed over first, and why. */
  readonly tried: readonly string[];
  /** The directory whose instance this is (the current one with `--pub`/`--rpc`). */
  readonly workdir: string;
  /** The registry of running instances. */
  readonly registryDir: string;
  /** What discovery found, when the endpoints came from it (not from `--pub`/`--rpc`). */
  readonly found?: ResolvedEndpoints;
}
