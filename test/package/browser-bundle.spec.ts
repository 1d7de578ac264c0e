import { build, type BuildOptions, type Metafile } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import ts from 'typescript';
import { installPacked, isolatedTmpdir } from './install';
import { ROOT } from './pack';

/** The budget of the browser client plus the operators, gzipped (issue 11). */
const BUDGET = 25 * 1024;

/** A tiny browser program, as a user writes it, importing from `specifier`. */
const program = (specifier: string): string => `
import { connectBrowser, streamText } from '${specifier}';

const instance = connectBrowser({ url: 'ws://localhost:7777/', token: 'secret' });
instance.events$.pipe(streamText()).subscribe((text) => document.body.append(text.text));
`;

/**
 * How browser projects resolve packages, each as esbuild options:
 * - esbuild `platform: 'browser'` (its own defaults: the `browser` and `import` conditions, the
 *   `browser`, `module`, `main` fields);
 * - webpack's web target: nothing implied (`platform: 'neutral'`), the `browser` and `import`
 *   conditions and the `browser`, `module`, `main` fields spelt out;
 * - Angular's application builder (esbuild underneath): its `es2020`/`es2015` conditions and
 *   fields before the browser ones.
 */
const RESOLUTIONS: Record<string, BuildOptions> = {
  'esbuild platform browser': { platform: 'browser' },
  'webpack-style (browser, import; browser, module, main)': { platform: 'neutral', conditions: ['browser', 'import'], mainFields: ['browser', 'module', 'main'] },
  "Angular's builder": { platform: 'browser', conditions: ['es2020', 'es2015', 'module'], mainFields: ['es2020', 'es2015', 'browser', 'module', 'main'] },
};

/**
 * The packed package, installed as a browser-only project installs it
 * (`npm install --omit=optional`: no zeromq), then bundled as browser projects bundle it, and
 * type-checked as they type-check it (see `installPacked`; offline).
 */
describe('the packed package in a browser project (installed without zeromq)', () => {
  let work: string;
  let project: string;

  beforeAll(() => {
    work = mkdtempSync(join(isolatedTmpdir(), 'pando-rx-browser-'));
    project = installPacked(work, { omitOptional: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'browser-app', private: true, type: 'module' }));
    writeFileSync(join(project, 'subpath.ts'), program('pando-rx/browser'));
    writeFileSync(join(project, 'root.ts'), program('pando-rx'));
    writeFileSync(join(project, 'node-only.ts'), "import { connect, connectBrowser } from 'pando-rx';\nexport const both = [connect, connectBrowser];\n");
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Bundles `entry`; answers the output and the metafile's input paths. */
  const bundle = async (entry: string, resolution: BuildOptions, external: string[] = []): Promise<{ code: Uint8Array; inputs: string[] }> => {
    const result = await build({
      absWorkingDir: project,
      entryPoints: [entry],
      bundle: true,
      minify: true,
      format: 'esm',
      external,
      write: false,
      metafile: true,
      logLevel: 'silent',
      ...resolution,
    });
    expect(result.errors).toEqual([]);
    const [output] = result.outputFiles!;
    return { code: output.contents, inputs: Object.keys((result.metafile as Metafile).inputs) };
  };

  describe.each(Object.entries(RESOLUTIONS))('bundled by %s', (_name, resolution) => {
    it.each(['subpath.ts', 'root.ts'])('%s: the browser build, without a Node module, zeromq, ws or nats, with fp-ts and io-ts as ES modules', async (entry) => {
      const { inputs } = await bundle(entry, resolution);
      expect(inputs.some((input) => input.endsWith('node_modules/pando-rx/dist/esm/browser.js'))).toBe(true);
      expect(inputs.filter((input) => /zeromq|(^|\/)ws\/|(^|\/)nats\/|^node:|\(disabled\)/.test(input))).toEqual([]);
      expect(inputs.filter((input) => /pando-rx\/dist\/(cjs\/|esm\/index\.js$)/.test(input))).toEqual([]);
      const fpts = inputs.filter((input) => /\/(fp-ts|io-ts)\//.test(input));
      expect(fpts.length).toBeGreaterThan(0);
      // The CommonJS copies are fp-ts/lib and io-ts/lib: none of them.
      expect(fpts.filter((input) => !/\/(fp-ts|io-ts)\/(es6|es)\//.test(input))).toEqual([]);
    });

    it(`stays within ${BUDGET / 1024} KB gzipped, rxjs aside`, async () => {
      const { code, inputs } = await bundle('subpath.ts', resolution, ['rxjs', 'rxjs/*']);
      expect(inputs.filter((input) => input.includes('/rxjs/'))).toEqual([]);
      const gzipped = gzipSync(code).length;
      expect(gzipped).toBeGreaterThan(1024); // the program really carries the client
      expect(gzipped).toBeLessThanOrEqual(BUDGET);
    });

    it('refuses connect() from pando-rx at bundle time (the browser build has no connect)', async () => {
      await expect(build({ absWorkingDir: project, entryPoints: ['node-only.ts'], bundle: true, format: 'esm', write: false, logLevel: 'silent', ...resolution })).rejects.toThrow(
        /No matching export in "[^"]*\/dist\/esm\/browser\.js" for import "connect"/,
      );
    });
  });

  /**
   * Type-checks `file` as a browser project does (strict, `moduleResolution` bundler, the DOM
   * and no Node types unless `types` says so) with `customConditions`; answers the diagnostics of
   * the file and of pando-rx's declarations as `TScode message`.
   */
  const typeCheck = (file: string, customConditions: string[], types: string[] = []): string[] => {
    const program = ts.createProgram([join(project, file)], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types,
      typeRoots: [join(ROOT, 'node_modules', '@types')],
      skipLibCheck: false,
      customConditions,
    });
    const checked = program.getSourceFiles().filter((source) => !source.fileName.includes('/node_modules/') || source.fileName.includes('/node_modules/pando-rx/'));
    return checked
      .flatMap((source) => ts.getPreEmitDiagnostics(program, source))
      .map((diagnostic) => `TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`);
  };

  it('type-checks connectBrowser and streamText from pando-rx/browser and from pando-rx, with the browser condition', () => {
    expect(typeCheck('subpath.ts', ['browser'])).toEqual([]);
    expect(typeCheck('root.ts', ['browser'])).toEqual([]);
  });

  it('has no connect() in the types of pando-rx when the project declares the browser condition (TS2305, as the bundler says)', () => {
    expect(typeCheck('node-only.ts', ['browser'])).toEqual([expect.stringMatching(/^TS2305 .*'connect'/)]);
  });

  it('reads the Node types without the browser condition: there only the bundler refuses connect (why the docs say to declare it)', () => {
    // The Node types need Node's (node:fs, …), as in any project that type-checks Node code.
    expect(typeCheck('node-only.ts', [], ['node'])).toEqual([]);
  });
});
