// Builds dist/, the package's three builds of src:
//
//   dist/cjs   CommonJS (require), with .d.ts declarations (CommonJS-flavoured: type commonjs),
//              plus one ES module wrapper per entry point (index.mjs, browser.mjs,
//              testing/index.mjs, typed by .d.mts) that re-exports the CommonJS module: Node's
//              `import` goes through them, so a process that both requires and imports
//              pando-rx holds one copy of it (one RpcError class, one registry of sockets).
//   dist/esm   ES modules for bundlers (tree-shaking), with the same declarations copied beside
//              them (ESM-flavoured there: dist/esm/package.json says type module).
//   dist/dashboard  the bridge's dashboard (src/dashboard): type-checked with the DOM
//              (tsconfig.dashboard.json), bundled by esbuild for the browser into one script,
//              beside its page and stylesheet; the built bridge serves it at `/`.
//
// The build is skipped when dist/ was built from the same inputs (a hash of src/, the tsconfigs,
// this script and the TypeScript version): `npm install` builds through `prepare`, and a second
// `npm run build` right after it costs nothing. `node scripts/build.mjs --force` rebuilds anyway.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const dist = join(root, 'dist');
const stampFile = join(dist, '.build-inputs');

/** The entry points, as paths below dist/cjs without `.js` (see package.json's exports). */
const ENTRIES = ['index', 'browser', 'testing/index'];

/** Every file below `dir`, as paths relative to `root`, sorted (so the hash is stable). */
const filesBelow = (dir) =>
  readdirSync(join(root, dir), { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesBelow(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();

/** A hash of everything the output depends on: file names and contents, and the compiler. */
const inputsHash = () => {
  const hash = createHash('sha256');
  hash.update(`typescript ${require('typescript/package.json').version}\n`);
  const inputs = [...filesBelow('src'), 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.esm.json', 'tsconfig.dashboard.json', 'scripts/build.mjs'];
  for (const file of inputs) hash.update(`${file}\n`).update(readFileSync(join(root, file))).update('\n');
  return hash.digest('hex');
};

/** Runs tsc on one project; resolves when it has emitted, rejects with its diagnostics. */
const compile = async (project) => {
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', project], { cwd: root });
  } catch (error) {
    throw new Error(`tsc -p ${project} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
};

/** Bundles the dashboard (type-checked by tsconfig.dashboard.json) for the browser into dist/dashboard/, with its page and stylesheet. */
const buildDashboard = async () => {
  const { build } = await import('esbuild');
  const out = join(dist, 'dashboard');
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(root, 'src', 'dashboard', 'main.ts')],
    outfile: join(out, 'dashboard.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  for (const file of ['index.html', 'dashboard.css']) copyFileSync(join(root, 'src', 'dashboard', file), join(out, file));
};

/** Copies every .d.ts of dist/cjs that has a .js twin in dist/esm beside it. */
const copyDeclarations = () => {
  for (const file of filesBelow('dist/esm')) {
    if (!file.endsWith('.js')) continue;
    const declaration = `${relative('dist/esm', file).slice(0, -'.js'.length)}.d.ts`;
    copyFileSync(join(dist, 'cjs', declaration), join(dist, 'esm', declaration));
  }
};

/** A binding name that `export const { … }` accepts. */
const isExportableName = (name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default';

/**
 * Writes dist/cjs/<entry>.mjs, an ES module that re-exports what the CommonJS entry exports (the
 * names are read from the built module itself, so the wrapper can never lag behind src), and
 * dist/cjs/<entry>.d.mts, its declarations: `export *` of the CommonJS declarations, so that
 * TypeScript sees the very same classes as in a `require`.
 */
const writeNodeWrappers = () => {
  for (const entry of ENTRIES) {
    const base = entry.split('/').pop();
    const names = Object.keys(require(join(dist, 'cjs', `${entry}.js`))).filter(isExportableName).sort();
    const header = `// Node's \`import\` of this entry point: the CommonJS build re-exported, so that require and import share one copy.\n`;
    writeFileSync(
      join(dist, 'cjs', `${entry}.mjs`),
      `${header}import cjs from './${base}.js';\n\nexport const {\n${names.map((name) => `  ${name},\n`).join('')}} = cjs;\n`,
    );
    writeFileSync(join(dist, 'cjs', `${entry}.d.mts`), `${header}export * from './${base}.js';\n`);
  }
};

const force = process.argv.includes('--force');
const hash = inputsHash();
const outputs = [
  ...ENTRIES.flatMap((entry) => [`cjs/${entry}.js`, `cjs/${entry}.mjs`, `esm/${entry}.js`, `esm/${entry}.d.ts`]),
  ...['index.html', 'dashboard.js', 'dashboard.css'].map((file) => `dashboard/${file}`),
];
if (!force && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash && outputs.every((file) => existsSync(join(dist, file)))) {
  console.log('pando-rx: dist/ is up to date (node scripts/build.mjs --force rebuilds it)');
} else {
  rmSync(dist, { recursive: true, force: true });
  await Promise.all([compile('tsconfig.build.json'), compile('tsconfig.esm.json'), compile('tsconfig.dashboard.json')]);
  await buildDashboard();
  // Each half says which module system its .js and .d.ts files use; sideEffects is repeated
  // because bundlers read it from the nearest package.json.
  writeFileSync(join(dist, 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs', sideEffects: false }) + '\n');
  writeFileSync(join(dist, 'esm', 'package.json'), JSON.stringify({ type: 'module', sideEffects: false }) + '\n');
  copyDeclarations();
  writeNodeWrappers();
  // Last, so that an interrupted build is never taken for a complete one.
  mkdirSync(dist, { recursive: true });
  writeFileSync(stampFile, hash);
  console.log('pando-rx: built dist/ (cjs, esm, Node ESM wrappers, declarations, dashboard)');
}
