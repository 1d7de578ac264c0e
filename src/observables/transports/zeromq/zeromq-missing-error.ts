/** The first line of an error's message. */
const describe = (err: unknown): string => (err instanceof Error ? err.message.split('\n')[0]! : String(err));

/**
 * The optional dependency `zeromq` could not be loaded, so no ZeroMQ socket can be opened:
 * `connect()`, `connectControl()`, fleets, the bridge and the relay over ZeroMQ, and the fake
 * instance need it. Nothing fails at import: this error comes the way other transport failures
 * do, through the Observable (`events$`, `status$`, a call) or the rejected promise
 * (`startFakeInstance()`).
 *
 * `reason` is `'not-installed'` when the package is absent (installed with
 * `npm install --omit=optional`, or zeromq's prebuilt binary has no build for this platform),
 * `'failed-to-load'` when it is present but loading it threw (`cause` says why).
 *
 * ```ts
 * connect({ workdir: process.cwd() }).events$.subscribe({
 *   error: (err) => console.error(err instanceof ZeromqMissingError ? err.message : err),
 * });
 * ```
 */
export class ZeromqMissingError extends Error {
  override readonly name = 'ZeromqMissingError';

  constructor(
    /** What needed zeromq, e.g. `connect() over ZeroMQ`. */
    readonly feature: string,
    /** Whether the package is absent, or present but unloadable. */
    readonly reason: 'not-installed' | 'failed-to-load',
    /** The error of the failed `import('zeromq')`. */
    readonly cause?: unknown,
  ) {
    super(
      reason === 'not-installed'
        ? `pando-rx: ${feature} needs the optional dependency 'zeromq' (npm install zeromq)`
        : `pando-rx: ${feature} needs the optional dependency 'zeromq', which is installed but could not be loaded (${describe(cause)}); reinstall it (npm install zeromq)`,
    );
  }
}
