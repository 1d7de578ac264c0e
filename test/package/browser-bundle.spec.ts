import { build, type Metafile } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import ts from 'typescript';
import { ROOT } from './pack';

/** The budget of the browser client plus the operators, gzipped (issue 11). */
const BUDGET = 25 * 1024;

/** A tiny browser program, as a user writes it. */
const PROGRAM = `
import { connectBrowser, streamText } from 'pando-rx/browser';

const instance = connectBrowser({ url: 'ws://localhost:7777/', token: 'secret' });
instance.events$.pipe(streamText()).subscribe((text) => document.body.append(text));
`;

/**
 * The browser build, bundled as a browser project bundles it: esbuild with `platform: 'browser'`,
 * from a temporary project where node_modules/pando-rx links the repository, so that the package
 * is resolved by its exports map (the `browser`/`import` conditions), offline.
 *
 * Two bundles: the whole program (the rules: no Node module, no zeromq, no ws, no nats, fp-ts and
 * io-ts as ES modules), and the same with rxjs left to the application (it is the app's own
 * dependency, shared with Angular and the rest) for the budget of pando-rx, io-ts and fp-ts.
 * esbuild because it bundles in a fraction of a second, reports every input in its metafile and
 * ships as a prebuilt binary in an npm package (no compiler toolchain, no download at test time).
 */
describe('the browser bundle of pando-rx/browser', () => {
  let project: string;

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'pando-rx-bundle-'));
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(ROOT, join(project, 'node_modules', 'pando-rx'), 'dir');
    writeFileSync(join(project, 'main.js'), PROGRAM);
  });

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  /** Bundles the program; answers the output and the metafile's input paths. */
  const bundle = async (external: string[] = []): Promise<{ code: Uint8Array; inputs: string[] }> => {
    const result = await build({
      absWorkingDir: project,
      entryPoints: ['main.js'],
      platform: 'browser',
      bundle: true,
      minify: true,
      format: 'esm',
      external,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const [output] = result.outputFiles;
    return { code: output.contents, inputs: Object.keys((result.metafile as Metafile).inputs) };
  };

  it('builds without a Node module, zeromq, ws or nats, with fp-ts and io-ts as ES modules', async () => {
    const { inputs } = await bundle();
    expect(inputs.some((input) => input.includes('/dist/esm/browser.js'))).toBe(true);
    expect(inputs.filter((input) => /zeromq|(^|\/)ws\/|(^|\/)nats\/|^node:|\(disabled\)/.test(input))).toEqual([]);
    expect(inputs.filter((input) => /\/dist\/cjs\//.test(input))).toEqual([]);
    const fpts = inputs.filter((input) => /\/(fp-ts|io-ts)\//.test(input));
    expect(fpts.length).toBeGreaterThan(0);
    expect(fpts.filter((input) => !/\/(fp-ts|io-ts)\/(es6|es)\//.test(input))).toEqual([]);
  });

  it(`stays within ${BUDGET / 1024} KB gzipped, rxjs aside`, async () => {
    const { code, inputs } = await bundle(['rxjs', 'rxjs/*']);
    expect(inputs.filter((input) => input.includes('/rxjs/'))).toEqual([]);
    const gzipped = gzipSync(code).length;
    expect(gzipped).toBeGreaterThan(1024); // the program really carries the client
    expect(gzipped).toBeLessThanOrEqual(BUDGET);
  });
});

/**
 * `import … from 'pando-rx'` in a browser project: the `browser` condition of `.` maps to the
 * browser build, whose types lack `connect()`. TypeScript sees that only when the project lists
 * the condition (`customConditions: ["browser"]`, with `moduleResolution` bundler); without it
 * TypeScript reads the Node types, and the bundler is what refuses `connect`.
 */
describe("the browser condition of 'pando-rx'", () => {
  let project: string;

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'pando-rx-condition-'));
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(ROOT, join(project, 'node_modules', 'pando-rx'), 'dir');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(project, 'main.ts'), "import { connect, connectBrowser } from 'pando-rx';\nexport const both = [connect, connectBrowser];\n");
  });

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  /** Type-checks main.ts with bundler resolution; answers its own diagnostics as `TScode`. */
  const typeCheck = (customConditions: string[]): string[] => {
    const program = ts.createProgram([join(project, 'main.ts')], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: [],
      typeRoots: [join(ROOT, 'node_modules', '@types')],
      skipLibCheck: true,
      customConditions,
    });
    const main = program.getSourceFile(join(project, 'main.ts'));
    return ts.getPreEmitDiagnostics(program, main).map((diagnostic) => `TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`);
  };

  it('has no connect() in its types when the project declares the browser condition', () => {
    expect(typeCheck(['browser'])).toEqual([expect.stringMatching(/^TS2305 .*'connect'/)]);
  });

  it('is refused by the bundler when TypeScript was not told (the Node types have connect)', async () => {
    expect(typeCheck([])).toEqual([]);
    await expect(
      build({ absWorkingDir: project, entryPoints: ['main.ts'], platform: 'browser', bundle: true, format: 'esm', write: false, logLevel: 'silent' }),
    ).rejects.toThrow(/No matching export in "[^"]*\/dist\/esm\/browser\.js" for import "connect"/);
  });
});
