import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The repository's root, where package.json and the built dist/ are. */
export const ROOT = join(__dirname, '..', '..');

/**
 * Packs the built package into `dir` as `npm pack` does for a publish, and returns the
 * tarball's path. `--ignore-scripts`: the global setup has built dist/, and `prepare` must not
 * rebuild it while other specs run it.
 */
export const packInto = (dir: string): string => {
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  ) as [{ filename: string }];
  return join(dir, packed.filename);
};
