import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { installPacked } from './install';

/**
 * The packed package installed into a fresh project, used as users use it: CommonJS `require`,
 * ES module `import`, both in one process, and TypeScript with `module` nodenext, bundler
 * resolution and commonjs (node10 resolution: ts-jest's default, Angular ≤ 16). Each program
 * type-checks against the shipped declarations and runs against the shipped code, talking to a
 * fake instance over loopback.
 *
 * The install is a plain `npm install` (optional zeromq included), offline: see `installPacked`.
 * Without the optional dependency: optional-zeromq.spec.ts.
 */
describe('the packed package in a fresh project', () => {
  let work: string;
  let project: string;

  /** Writes `files` (paths relative to the project) and returns their absolute paths. */
  const write = (files: Record<string, string>): string[] =>
    Object.entries(files).map(([path, text]) => {
      const file = join(project, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    });

  /** Runs a file of the project with Node, returning what it printed. */
  const run = (path: string): string =>
    execFileSync(process.execPath, [join(project, path)], { cwd: project, encoding: 'utf8', timeout: 15_000 }).trim();

  /**
   * Parsed declaration files shared by the programs below (lib, @types/node, rxjs…), as a
   * language service shares them: parsing them once per file and format, not once per program.
   */
  const parsed = new Map<string, ts.SourceFile | undefined>();

  /**
   * Type-checks `files` with `options` (strict) and emits them; returns the diagnostics as
   * `file(line): TScode message`. Checked: the user's files and every declaration file of
   * pando-rx they reach (so an import in a shipped .d.ts that does not resolve under this
   * resolution mode is caught); the other libraries' own declarations are theirs to check.
   */
  const compile = (files: string[], options: ts.CompilerOptions): string[] => {
    const compilerOptions: ts.CompilerOptions = {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts'],
      types: ['node'],
      typeRoots: [join(project, 'node_modules', '@types')],
      skipLibCheck: false,
      ...options,
    };
    const host = ts.createCompilerHost(compilerOptions);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
      if (!fileName.endsWith('.d.ts') || fileName.includes('/node_modules/pando-rx/')) return getSourceFile(fileName, languageVersion, onError, shouldCreate);
      const format = typeof languageVersion === 'object' ? `${languageVersion.languageVersion} ${languageVersion.impliedNodeFormat}` : `${languageVersion}`;
      const key = `${format} ${fileName}`;
      if (!parsed.has(key)) parsed.set(key, getSourceFile(fileName, languageVersion, onError, shouldCreate));
      return parsed.get(key);
    };
    const program = ts.createProgram({ rootNames: files, options: compilerOptions, host });
    const checked = program.getSourceFiles().filter((file) => !file.fileName.includes('/node_modules/') || file.fileName.includes('/node_modules/pando-rx/'));
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...checked.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
      ...program.emit().diagnostics,
    ];
    return diagnostics.map((d) => {
      const where = d.file ? `${relative(project, d.file.fileName)}(${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1})` : 'options';
      return `${where}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
  };

  /** The user's program: the three entry points, a fake instance, the mirror, an RPC error. */
  const program = (imports: string): string =>
    [
      imports,
      'const fake = await startFakeInstance({ heartbeatIntervalMs: 0 });',
      'const pando = connect({ pubEndpoint: fake.pubEndpoint, rpcEndpoint: fake.rpcEndpoint });',
      'try {',
      '  const mirror: Mirror = await firstValueFrom(pando.mirror$);',
      "  const tokens: Observable<unknown> = pando.events$.pipe(ofTopic('llm.token'));",
      "  const failure: unknown = await firstValueFrom(pando.getSession('no-such-session')).catch((e: unknown) => e);",
      "  console.log(`sessions ${mirror.size}, ${typeof tokens.subscribe}, RpcError ${failure instanceof RpcError}`);",
      '} finally {',
      '  pando.close();',
      '  await fake.stop();',
      '}',
    ].join('\n');

  const ESM_IMPORTS = [
    "import { firstValueFrom, type Observable } from 'rxjs';",
    "import { connect, RpcError, type Mirror } from 'pando-rx';",
    "import { ofTopic } from 'pando-rx/browser';",
    "import { startFakeInstance } from 'pando-rx/testing';",
  ].join('\n');

  /** The same program for a CommonJS output: no top-level await. */
  const commonJsProgram = (imports: string): string => `${imports}\nvoid (async () => {\n${program('')}\n})();\n`;

  const EXPECTED = 'sessions 2, function, RpcError true';

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pando-rx-consumer-'));
    // A plain `npm install`: the dependencies and the optional zeromq, plus what a Node
    // TypeScript project has anyway.
    project = installPacked(work, { omitOptional: false, extra: ['@types/node'] });
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('runs with require() (CommonJS), each entry point', () => {
    write({
      'js/main.cjs': [
        "const { firstValueFrom } = require('rxjs');",
        "const { connect, RpcError } = require('pando-rx');",
        "const { ofTopic } = require('pando-rx/browser');",
        "const { startFakeInstance } = require('pando-rx/testing');",
        commonJsProgram('').replace(': Mirror', '').replace(': Observable<unknown>', '').replace(/: unknown/g, ''),
      ].join('\n'),
    });
    expect(run('js/main.cjs')).toBe(EXPECTED);
  });

  it('runs with import (ES module), and an error from a required fake is an instance of the imported RpcError', () => {
    write({
      'js/main.mjs': [
        "import { createRequire } from 'node:module';",
        "import { firstValueFrom } from 'rxjs';",
        "import * as pandoRx from 'pando-rx';",
        "import { ofTopic } from 'pando-rx/browser';",
        'const { connect, RpcError } = pandoRx;',
        // The dual-package hazard: the fake (and so the errors it provokes) comes through require.
        "const { startFakeInstance } = createRequire(import.meta.url)('pando-rx/testing');",
        program('').replace(': Mirror', '').replace(': Observable<unknown>', '').replace(/: unknown/g, ''),
        "if ('default' in pandoRx) throw new Error('the ES module has a default export that its types do not declare');",
      ].join('\n'),
    });
    expect(run('js/main.mjs')).toBe(EXPECTED);
  });

  it('type-checks and runs with TypeScript module nodenext (ESM and CommonJS files), where a default import is an error', () => {
    const files = write({
      'nodenext/main.mts': program(ESM_IMPORTS),
      'nodenext/main.cts': commonJsProgram(ESM_IMPORTS),
      // The package has no default export, at run time as in its types.
      'nodenext/default-import.mts': "import pandoRx from 'pando-rx';\nconsole.log(pandoRx);\n",
    });
    const diagnostics = compile(files, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
    expect(diagnostics.map((d) => d.replace(/ TS1192 .*/, ' TS1192'))).toEqual(['nodenext/default-import.mts(1): TS1192']);
    expect(run('nodenext/main.mjs')).toBe(EXPECTED);
    expect(run('nodenext/main.cjs')).toBe(EXPECTED);
  });

  it('type-checks with TypeScript moduleResolution bundler (the ES module build), where a default import is an error', () => {
    const files = write({
      'bundler/package.json': JSON.stringify({ type: 'module' }),
      'bundler/main.ts': program(ESM_IMPORTS),
      'bundler/default-import.ts': "import pandoRx from 'pando-rx';\nconsole.log(pandoRx);\n",
    });
    const diagnostics = compile(files, { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler });
    expect(diagnostics.map((d) => d.replace(/ TS1192 .*/, ' TS1192'))).toEqual(['bundler/default-import.ts(1): TS1192']);
    // Node runs the same output (it takes the Node build, which has the same exports).
    expect(run('bundler/main.js')).toBe(EXPECTED);
  });

  it('type-checks and runs with TypeScript module commonjs (node10 resolution: pando-rx/browser and pando-rx/testing resolve)', () => {
    const imports = [
      "import { firstValueFrom, Observable } from 'rxjs';",
      "import { connect, RpcError, Mirror } from 'pando-rx';",
      "import { ofTopic } from 'pando-rx/browser';",
      "import { startFakeInstance } from 'pando-rx/testing';",
    ].join('\n');
    const files = write({ 'commonjs/main.ts': commonJsProgram(imports) });
    const diagnostics = compile(files, { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, esModuleInterop: true });
    expect(diagnostics).toEqual([]);
    expect(run('commonjs/main.js')).toBe(EXPECTED);
  });
});
