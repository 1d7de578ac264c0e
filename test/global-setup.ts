import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time of any file below `dir`. */
const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }, 0);

/**
 * Builds dist/ once before the suite when it is missing or older than src/, so that the tests
 * of the package entry points, the command and the benchmarks run what a user would install.
 */
export default function globalSetup(): void {
  const root = join(__dirname, '..');
  const marker = join(root, 'dist', 'cjs', 'index.js');
  if (existsSync(marker) && statSync(marker).mtimeMs >= newest(join(root, 'src'))) return;
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
}
