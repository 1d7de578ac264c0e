import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Brings dist/ up to date once before the dist specs, so that the tests of the package entry
 * points, the command and the benchmarks run what a user would install. scripts/build.mjs
 * decides: it skips the build when dist/ was built from the same inputs (src/, the tsconfigs,
 * the script, the compiler), and rebuilds otherwise. Deciding here by the age of src/ alone
 * missed a changed tsconfig: dist/ then looked fresh to jest but stale to `npm pack`'s
 * `prepare` (test/package/tarball.spec.ts), which rebuilt it while other specs were reading it.
 */
export default function globalSetup(): void {
  const root = join(__dirname, '..');
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
}
