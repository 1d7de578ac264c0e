/** `instances [--watch]`: the running instances of the registry, as a table. */
import * as path from 'node:path';
import { firstValueFrom, map } from 'rxjs';
import { watchInstances, listInstances, type InstanceListing } from '../index.js';
import { clockTime, registryEntryJson, relativeAge, table } from './format.js';
import type { Output } from './output.js';
import { EXIT_OK, aborted$, registryDirFor } from './target.js';
import type { Text } from './text.js';

/** Options of `instances`. */
export interface InstancesOptions {
  readonly registry?: string;
  /** Only the instances running in this directory. */
  readonly workdir?: string;
  readonly json?: boolean;
  readonly watch?: boolean;
}

/** The live instances as an aligned table (path truncated to the terminal's width). */
const instancesTable = (listing: InstanceListing, out: Output): Text[] => {
  const { styles } = out;
  const now = out.now();
  const rows = listing.instances.map((i) => [
    i.instance_id,
    i.mode,
    String(i.pid),
    i.path,
    String(i.pub_port),
    String(i.rpc_port),
    i.is_primary ? 'yes' : 'no',
    relativeAge(i.started_at, now),
  ]);
  return table(
    [
      { header: 'ID', style: (cell) => styles.magenta(cell) },
      { header: 'MODE' },
      { header: 'PID', align: 'right' },
      { header: 'PATH', flexible: true },
      { header: 'PUB', align: 'right' },
      { header: 'RPC', align: 'right' },
      { header: 'PRIMARY' },
      { header: 'STARTED', style: (cell) => styles.dim(cell) },
    ],
    rows,
    out.columns,
    styles.bold,
  );
};

const only = (listing: InstanceListing, dir: string | undefined): InstanceListing =>
  dir === undefined
    ? listing
    : {
        instances: listing.instances.filter((i) => path.resolve(i.path) === dir),
        stale: listing.stale.filter((s) => path.resolve(s.path) === dir),
        invalid: listing.invalid,
      };

/** `instances`: once, or redrawn on each change with `--watch`. */
export const instances = async (options: InstancesOptions, out: Output): Promise<number> => {
  const io = out.io;
  const registryDir = registryDirFor(io, options.registry);
  const dir = options.workdir === undefined ? undefined : path.resolve(io.cwd, options.workdir);
  const { styles } = out;

  const draw = (listing: InstanceListing, redraw: boolean): void => {
    if (options.json === true) {
      out.json({
        registryDir,
        instances: listing.instances.map(registryEntryJson),
        stale: listing.stale.map(registryEntryJson),
        invalid: listing.invalid.map((i) => ({ file: i.file, reason: i.reason })),
      });
      return;
    }
    const lines =
      listing.instances.length === 0
        ? [styles.dim(`no running instances${dir === undefined ? '' : ` in ${dir}`} (registry ${registryDir})`)]
        : instancesTable(listing, out);
    if (options.watch === true && io.isTTY) {
      out.clearScreen();
      out.line(styles.dim(`registry ${registryDir} · ${clockTime(out.now())} · Ctrl-C to stop`));
    } else if (redraw) {
      out.line();
    }
    for (const line of lines) out.line(line);
    for (const s of listing.stale) out.note(styles.dim(`skipped a stale entry: ${s.file} (pid ${s.pid} of ${s.instance_id} is not running)`));
    for (const bad of listing.invalid) out.note(styles.yellow(`skipped ${bad.reason}`));
  };

  if (options.watch !== true) {
    draw(only(await listInstances({ registryDir }), dir), false);
    return EXIT_OK;
  }
  let count = 0;
  const subscription = watchInstances({ registryDir, pollIntervalMs: 1000 })
    .pipe(map((listing) => only(listing, dir)))
    .subscribe((listing) => draw(listing, count++ > 0));
  await firstValueFrom(aborted$(io.signal));
  subscription.unsubscribe();
  return EXIT_OK;
};
