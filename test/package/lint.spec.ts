import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packInto, ROOT } from './pack';

/**
 * The package checked the way the ecosystem checks packages, on the tarball a publish would
 * upload: `@arethetypeswrong/cli` (do the types agree with the code, for node10, node16 from
 * CommonJS and from ESM, and bundlers?) and `publint` (is the manifest right?). Both read the
 * tarball only: nothing is fetched.
 */
describe('the packed package, checked by attw and publint', () => {
  let dir: string;
  let tarball: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pando-rx-lint-'));
    tarball = packInto(dir);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has no problem for @arethetypeswrong/cli, in any resolution mode, for any entry point', () => {
    const attw = spawnSync(process.execPath, [join(ROOT, 'node_modules', '.bin', 'attw'), tarball, '--format', 'json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const report = JSON.parse(attw.stdout) as {
      problems?: Record<string, { kind: string }[]>;
      analysis: { types: unknown; entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName: string } }> }> };
    };
    const problems = Object.values(report.problems ?? {})
      .flat()
      .map(({ kind, ...where }) => `${kind} ${JSON.stringify(where)}`);
    expect(problems).toEqual([]);
    expect(attw.status).toBe(0);
    // Each entry point resolved to types in each mode (an untyped package has no problems either).
    const resolved = Object.entries(report.analysis.entrypoints).flatMap(([entry, { resolutions }]) =>
      Object.entries(resolutions).map(([mode, { resolution }]) => `${entry} ${mode} ${resolution?.fileName.replace(/^\/node_modules\/pando-rx\//, '') ?? 'unresolved'}`),
    );
    expect(resolved).toEqual(
      expect.arrayContaining(
        [
          ['.', 'index'],
          ['./browser', 'browser'],
          ['./testing', 'testing/index'],
        ].flatMap(([entry, file]) => [
          `${entry} node10 dist/cjs/${file}.d.ts`,
          `${entry} node16-cjs dist/cjs/${file}.d.ts`,
          `${entry} node16-esm dist/cjs/${file}.d.mts`,
          `${entry} bundler dist/esm/${file}.d.ts`,
        ]),
      ),
    );
  });

  it('has no error, warning or suggestion for publint (but the browser field kept for bundlers without exports)', () => {
    // publint is an ES module: run its API in a child and hand back its messages as JSON.
    const script = [
      "import { readFileSync } from 'node:fs';",
      "import { publint } from 'publint';",
      "import { formatMessage } from 'publint/utils';",
      'const data = readFileSync(process.argv[1]);',
      'const tarball = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);',
      "const { messages, pkg } = await publint({ pack: { tarball }, level: 'suggestion', strict: true });",
      'console.log(JSON.stringify(messages.map((m) => ({ code: m.code, type: m.type, text: formatMessage(m, pkg) }))));',
    ].join('\n');
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script, tarball], { cwd: ROOT, encoding: 'utf8' });
    expect(out.stderr).toBe('');
    const messages = JSON.parse(out.stdout) as { code: string; type: string; text: string }[];
    // The `browser` string field maps `pando-rx` to the browser build for webpack 4, browserify
    // and other bundlers that do not read exports (its "browser" condition does that for the
    // others); publint suggests dropping it, which would hand those the zeromq build.
    expect(messages.filter((m) => m.code !== 'USE_EXPORTS_BROWSER').map((m) => `${m.type} ${m.code}: ${m.text}`)).toEqual([]);
  });
});
