import { build, type Metafile } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { installPacked, isolatedTmpdir, type Manifest } from './install';
import { ROOT } from './pack';

/**
 * A project that installed pando-rx with `npm install --omit=optional` (a browser-only or
 * Angular workspace that wants no native binaries): the packed package with its `dependencies`
 * and without the optional zeromq (see `installPacked`). pando-rx loads, its codecs and
 * operators work, and everything that needs a ZeroMQ socket fails with `ZeromqMissingError`
 * through its Observable or promise: no crash at import, no unhandled rejection, no hang.
 */
describe('the packed package installed without its optional dependency zeromq', () => {
  let work: string;
  let project: string;

  /** What each program prints: one JSON line, checked below. */
  const CHECK = `
const { from, firstValueFrom, lastValueFrom, toArray } = rxjs;
const outcome = (promise) => promise.then(
  () => 'no error',
  (err) => \`\${err.name} \${err instanceof pandoRx.ZeromqMissingError} \${err.reason}: \${err.message}\`,
);
const at = new Date('2026-03-01T10:00:00Z');
const token = (text) =>
  browser.encodeFrame({ topic: 'llm.token', instanceId: 'a1', projectId: '', sessionId: 's1', timestamp: at, payload: { session_id: 's1', token: text } });
let badFrames = 0;
const texts = await lastValueFrom(
  from([token('Hel'), new Uint8Array([1, 2, 3]), token('lo')]).pipe(browser.decodeFrames(() => badFrames++), browser.streamText(), toArray()),
);
const pando = pandoRx.connect({ pubEndpoint: 'tcp://127.0.0.1:5551', rpcEndpoint: 'tcp://127.0.0.1:5552' });
const [events, status, ping] = await Promise.all([
  outcome(lastValueFrom(pando.events$)),
  outcome(lastValueFrom(pando.status$)),
  outcome(firstValueFrom(pando.ping())),
]);
pando.close();
console.log(JSON.stringify({
  sameBrowserClient: browser.connectBrowser === pandoRx.connectBrowser,
  text: texts[texts.length - 1].text,
  badFrames,
  events,
  status,
  ping,
  fake: await outcome(testing.startFakeInstance()),
}));
`;

  /** Runs a program of the project with Node; answers what it printed, parsed. */
  const run = (path: string): Record<string, unknown> =>
    JSON.parse(execFileSync(process.execPath, [join(project, path)], { cwd: project, encoding: 'utf8', timeout: 15_000 })) as Record<string, unknown>;

  const MISSING = "ZeromqMissingError true not-installed: pando-rx: connect() over ZeroMQ needs the optional dependency 'zeromq' (npm install zeromq)";
  const EXPECTED = {
    sameBrowserClient: true,
    text: 'Hello',
    badFrames: 1,
    events: MISSING,
    status: MISSING,
    ping: MISSING,
    fake: "ZeromqMissingError true not-installed: pando-rx: startFakeInstance() needs the optional dependency 'zeromq' (npm install zeromq)",
  };

  beforeAll(() => {
    work = mkdtempSync(join(isolatedTmpdir(), 'pando-rx-no-zeromq-'));
    project = installPacked(work, { omitOptional: true, extra: ['@types/node'] });
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('declares zeromq as its only optional dependency, and nothing else native', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', 'pando-rx', 'package.json'), 'utf8')) as Manifest;
    expect(manifest.optionalDependencies).toEqual({ zeromq: expect.any(String) });
    expect(Object.keys(manifest.dependencies)).not.toContain('zeromq');
    // ws and nats stay plain dependencies: pure JavaScript, used by the bridge and the relay.
    expect(Object.keys(manifest.dependencies)).toEqual(expect.arrayContaining(['ws', 'nats', 'rxjs', 'fp-ts', 'io-ts']));
  });

  it('cannot reach zeromq from the installed package (the premise of the programs below)', () => {
    const probe = join(project, 'probe.cjs');
    writeFileSync(probe, "try { require.resolve('zeromq', { paths: [require.resolve('pando-rx')] }); console.log('found'); } catch (e) { console.log(e.code); }");
    expect(execFileSync(process.execPath, [probe], { cwd: project, encoding: 'utf8' }).trim()).toBe('MODULE_NOT_FOUND');
  });

  it('works with require() (CommonJS): codecs and operators, and ZeromqMissingError from connect() and the fake instance', () => {
    writeFileSync(
      join(project, 'main.cjs'),
      `const rxjs = require('rxjs');\nconst pandoRx = require('pando-rx');\nconst browser = require('pando-rx/browser');\nconst testing = require('pando-rx/testing');\nvoid (async () => {\n${CHECK}\n})();\n`,
    );
    expect(run('main.cjs')).toEqual(EXPECTED);
  });

  it("works with import (Node's ES module entry points)", () => {
    writeFileSync(
      join(project, 'main.mjs'),
      `import * as rxjs from 'rxjs';\nimport * as pandoRx from 'pando-rx';\nimport * as browser from 'pando-rx/browser';\nimport * as testing from 'pando-rx/testing';\n${CHECK}`,
    );
    expect(run('main.mjs')).toEqual(EXPECTED);
  });

  it('works from the ES module build that bundlers take (dist/esm), bundled for Node with zeromq left to its runtime import()', async () => {
    writeFileSync(
      join(project, 'bundle-me.mjs'),
      `import * as rxjs from 'rxjs';\nimport * as pandoRx from 'pando-rx';\nimport * as browser from 'pando-rx/browser';\nimport * as testing from 'pando-rx/testing';\n${CHECK}`,
    );
    // A bundler without the node condition (the exports' `import` branch), Node's modules and
    // zeromq external; ws and nats are CommonJS, so the ES module output gets a require().
    const result = await build({
      absWorkingDir: project,
      entryPoints: ['bundle-me.mjs'],
      outfile: join(project, 'bundled.mjs'),
      bundle: true,
      platform: 'neutral',
      conditions: ['import'],
      mainFields: ['module', 'main'],
      format: 'esm',
      external: ['zeromq', 'node:*', ...builtinModules],
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys((result.metafile as Metafile).inputs);
    expect(inputs).toEqual(expect.arrayContaining(['node_modules/pando-rx/dist/esm/index.js', 'node_modules/pando-rx/dist/esm/testing/index.js']));
    expect(inputs.filter((input) => input.includes('pando-rx/dist/cjs/'))).toEqual([]);
    expect(run('bundled.mjs')).toEqual(EXPECTED);
  });

  it('type-checks a TypeScript program of the Node entry point without zeromq installed (strict, libraries checked too)', () => {
    const main = join(project, 'typed.ts');
    writeFileSync(
      main,
      [
        "import { connect, ZeromqMissingError, streamText, type ConnectOptions } from 'pando-rx';",
        "import { startFakeInstance } from 'pando-rx/testing';",
        "const options: ConnectOptions = { pubEndpoint: 'tcp://127.0.0.1:5551', rpcEndpoint: 'tcp://127.0.0.1:5552' };",
        'connect(options).events$.pipe(streamText()).subscribe({ error: (err: unknown) => console.log(err instanceof ZeromqMissingError) });',
        'void startFakeInstance;',
      ].join('\n'),
    );
    for (const resolution of [ts.ModuleResolutionKind.Bundler, ts.ModuleResolutionKind.NodeNext]) {
      const options: ts.CompilerOptions = {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: resolution === ts.ModuleResolutionKind.Bundler ? ts.ModuleKind.ESNext : ts.ModuleKind.NodeNext,
        moduleResolution: resolution,
        lib: ['lib.es2022.d.ts'],
        types: ['node'],
        typeRoots: [join(project, 'node_modules', '@types')],
        skipLibCheck: false,
      };
      const program = ts.createProgram([main], options);
      const ours = program.getSourceFiles().filter((file) => !file.fileName.includes('/node_modules/') || file.fileName.includes('/node_modules/pando-rx/'));
      const diagnostics = ours.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]);
      expect(diagnostics.map((d) => `${d.file?.fileName ?? ''}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`)).toEqual([]);
    }
  });
});

/**
 * What `--omit=optional` leaves out, and why that is enough: every package that a plain
 * `dependencies` install brings (the whole tree, from the repository's install) is pure
 * JavaScript: no install script, no node-gyp build, no `.node` binary. zeromq, the optional one,
 * is where the native code is (the check finds it there: it can fail).
 */
describe("pando-rx's dependency tree", () => {
  /** Where Node finds package `name` for a package in `from`: the nearest node_modules. */
  const locate = (name: string, from: string): string => {
    for (let dir = from; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
      if (dirname(dir) === dir) throw new Error(`${name} not found from ${from}`);
    }
  };

  /** `.node` binaries and binding.gyp files below a package (not in its own node_modules). */
  const nativeFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : nativeFiles(join(dir, entry.name));
      return /\.node$|^binding\.gyp$/.test(entry.name) ? [join(dir, entry.name)] : [];
    });

  /** The packages reachable from `names` through `dependencies`, with what is native in each. */
  const nativeIn = (names: string[]): Map<string, string[]> => {
    const seen = new Map<string, string[]>();
    const visit = (name: string, from: string): void => {
      const dir = locate(name, from);
      if (seen.has(dir)) return;
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        scripts?: Record<string, string>;
        gypfile?: boolean;
      };
      const problems = [
        ...['preinstall', 'install', 'postinstall'].filter((script) => manifest.scripts?.[script] !== undefined).map((script) => `scripts.${script}`),
        ...(manifest.gypfile === true ? ['gypfile'] : []),
        ...nativeFiles(dir).map((file) => file.slice(dir.length + 1)),
      ];
      seen.set(dir, problems);
      for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency, dir);
    };
    for (const name of names) visit(name, ROOT);
    return seen;
  };

  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;

  it('is pure JavaScript without the optional dependencies', () => {
    const tree = nativeIn(Object.keys(manifest.dependencies));
    expect(tree.size).toBeGreaterThan(Object.keys(manifest.dependencies).length);
    expect([...tree].filter(([, problems]) => problems.length > 0)).toEqual([]);
  });

  it('has its native code in zeromq, the optional dependency', () => {
    const tree = nativeIn(Object.keys(manifest.optionalDependencies ?? {}));
    const zeromq = [...tree].find(([dir]) => dir.endsWith('/zeromq'));
    expect(zeromq?.[1]).toEqual(expect.arrayContaining(['scripts.install', expect.stringMatching(/\.node$/)]));
  });
});
