// `npm start`: builds dist/ only when it is missing or older than the sources (`npm install`
// has just built it through `prepare`), then runs the demo in this process, so that Ctrl-C
// reaches it directly. Arguments after `--` go to the demo: `npm start -- --once`.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The newest modification time of a file, or of any file below a directory. */
const newest = (path) =>
  statSync(path).isDirectory() ? readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), 0) : statSync(path).mtimeMs;

const demo = join(root, 'dist', 'cjs', 'cli', 'demo.js');
const sources = ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.esm.json'].map((p) => join(root, p)).filter(existsSync);
const stale = !existsSync(demo) || statSync(demo).mtimeMs < Math.max(...sources.map(newest));
if (stale) {
  process.stderr.write('building dist/ (the sources changed since the last build)…\n');
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
}
await createRequire(import.meta.url)(demo).main(process.argv.slice(2));
