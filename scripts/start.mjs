// `npm start`: makes sure dist/ is built from the current sources (the build itself decides, from
// a hash of its inputs, and skips when nothing changed: `npm install` has just built it through
// `prepare`), then runs the demo in this process, so that Ctrl-C reaches it directly. Arguments
// after `--` go to the demo: `npm start -- --once`.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const said = execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
// Only a real build is worth a line (on stderr: stdout is the demo's).
if (!said.includes('up to date')) process.stderr.write(said);
await createRequire(import.meta.url)(join(root, 'dist', 'cjs', 'cli', 'demo.js')).main(process.argv.slice(2));
