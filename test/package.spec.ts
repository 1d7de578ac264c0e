import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** One leaf of the exports map: the conditions that lead to it and the file it names. */
interface ExportTarget {
  readonly subpath: string;
  readonly conditions: readonly string[];
  readonly types: string;
  readonly file: string;
}

/** Every `{ types, default }` pair of an exports map, with the conditions leading to it. */
const targetsOf = (exportsMap: Record<string, unknown>): ExportTarget[] => {
  const walk = (subpath: string, conditions: string[], value: unknown): ExportTarget[] => {
    if (typeof value !== 'object' || value === null) return [];
    const node = value as Record<string, unknown>;
    if (typeof node['types'] === 'string' && typeof node['default'] === 'string') {
      return [{ subpath, conditions, types: node['types'], file: node['default'] }];
    }
    return Object.entries(node).flatMap(([condition, next]) => walk(subpath, [...conditions, condition], next));
  };
  return Object.entries(exportsMap).flatMap(([subpath, value]) => walk(subpath, [], value));
};

/** The package as a user loads it: the built entry points of the exports map. */
describe('the built package', () => {
  const root = join(__dirname, '..');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, unknown>;
    types: string;
    main: string;
  };
  const node = (code: string, type: 'commonjs' | 'module'): string =>
    execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], { cwd: root, encoding: 'utf8' }).trim();

  it('loads with require() from the repo root', () => {
    const out = node(
      "const p = require('./'); console.log([typeof p.connect, typeof p.decodeFrame, typeof p.RemoteControl, typeof p.ofTopic].join(' '))",
      'commonjs',
    );
    expect(out).toBe('function function function function');
  });

  it('loads with import, including ./browser (codecs and operators only) and ./testing', () => {
    const out = node(
      [
        "const p = await import('pando-rx');",
        "const b = await import('pando-rx/browser');",
        "const t = await import('pando-rx/testing');",
        'console.log([typeof p.connect, typeof p.mirrorState, typeof b.connect, typeof b.decodeFrame, typeof b.mirrorState, typeof t.startFakeInstance, typeof t.FakeTransport].join(" "));',
      ].join('\n'),
      'module',
    );
    expect(out).toBe('function function undefined function function function function');
  });

  it('gives every condition of the exports map its own declarations, of the same module format as its code', () => {
    // A .d.ts is read as CommonJS or ESM by the nearest package.json, like the .js beside it;
    // .d.mts and .mjs are ESM wherever they are. Types of the other format "masquerade".
    const formatOf = (file: string): 'esm' | 'cjs' => {
      if (/\.m[jt]s$/.test(file)) return 'esm';
      for (let dir = dirname(join(root, file)); ; dir = dirname(dir)) {
        const manifest = join(dir, 'package.json');
        if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: string }).type === 'module' ? 'esm' : 'cjs';
      }
    };
    const targets = targetsOf(pkg.exports);
    expect(targets.map((t) => `${t.subpath} ${t.conditions.join('.')}`)).toEqual(
      expect.arrayContaining(['. node.import', '. node.default', '. import', '. default', '. browser.import', './browser node.import', './testing node.import']),
    );
    for (const target of targets) {
      const where = `exports["${target.subpath}"].${target.conditions.join('.')}`;
      expect({ where, types: existsSync(join(root, target.types)), file: existsSync(join(root, target.file)) }).toEqual({ where, types: true, file: true });
      expect({ where, types: formatOf(target.types) }).toEqual({ where, types: formatOf(target.file) });
      // Node's import of each entry point is the ESM wrapper of the CommonJS build (one copy).
      if (target.conditions.join('.') === 'node.import') expect({ where, file: target.file }).toEqual({ where, file: expect.stringMatching(/^\.\/dist\/cjs\/.*\.mjs$/) });
    }
  });

  it('lets node10 resolution (module commonjs, ts-jest, Angular ≤ 16) find ./browser and ./testing through stub folders', () => {
    // TypeScript's node10 resolution ignores exports: it reads <package>/<subpath>/package.json.
    for (const subpath of ['browser', 'testing']) {
      const stub = JSON.parse(readFileSync(join(root, subpath, 'package.json'), 'utf8')) as { main: string; types: string; module: string };
      const target = targetsOf(pkg.exports).find((t) => t.subpath === `./${subpath}` && t.conditions.join('.') === 'default');
      const fromRoot = (file: string): string => `./${relative(root, join(root, subpath, file))}`;
      expect({ main: fromRoot(stub.main), types: fromRoot(stub.types) }).toEqual({ main: target?.file, types: target?.types });
      expect(fromRoot(stub.module)).toBe(targetsOf(pkg.exports).find((t) => t.subpath === `./${subpath}` && t.conditions.join('.') === 'import')?.file);
    }
  });

  it('has one copy when a process both requires and imports it: the same RpcError class, the same exports', () => {
    const out = node(
      [
        "import { createRequire } from 'node:module';",
        'const require = createRequire(import.meta.url);',
        'const lines = [];',
        "for (const entry of ['pando-rx', 'pando-rx/browser', 'pando-rx/testing']) {",
        '  const esm = await import(entry);',
        '  const cjs = require(entry);',
        '  const names = Object.keys(esm);',
        '  const same = names.filter((name) => esm[name] === cjs[name]);',
        "  lines.push(`${entry} ${names.length === Object.keys(cjs).length} ${same.length === names.length} ${'default' in esm}`);",
        '}',
        "const [{ RpcError }, cjs] = [await import('pando-rx'), require('pando-rx')];",
        "lines.push(`RpcError ${RpcError === cjs.RpcError} ${RpcError === (await import('pando-rx/browser')).RpcError}`);",
        "console.log(lines.join('\\n'));",
      ].join('\n'),
      'module',
    );
    expect(out.split('\n')).toEqual([
      'pando-rx true true false',
      'pando-rx/browser true true false',
      'pando-rx/testing true true false',
      'RpcError true true',
    ]);
  });

  it('imports fp-ts and io-ts as ES modules in the bundlers’ build (dist/esm), never their CommonJS lib/', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));
    const commonJsImports = files(join(root, 'dist', 'esm')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/from '((?:fp-ts|io-ts)\/lib\/[^']*)'/g)].map((m) => `${relative(root, file)}: ${m[1]}`),
    );
    expect(commonJsImports).toEqual([]);
  });

  it('lets a process that has unsubscribed everything exit by itself, without close()', () => {
    // A child connects to a fake instance, uses a live stream and an RPC call, lets go of both
    // and stops the fake: nothing it opened may keep it alive (the RPC socket closes when idle).
    const script = [
      "const { connect } = require('./');",
      "const { startFakeInstance } = require('./dist/cjs/testing/index.js');",
      "const { firstValueFrom } = require('rxjs');",
      '(async () => {',
      "  const fake = await startFakeInstance({ heartbeatIntervalMs: 0 });",
      '  const pando = connect({ pubEndpoint: fake.pubEndpoint, rpcEndpoint: fake.rpcEndpoint, rpcIdleCloseMs: 50 });',
      '  const mirror = await firstValueFrom(pando.mirror$);',
      '  await firstValueFrom(pando.ping());',
      '  await fake.stop();',
      "  console.log('done ' + mirror.size);",
      '})();',
    ].join('\n');
    const started = Date.now();
    const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 15_000 });
    expect(out.trim()).toBe('done 2');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
