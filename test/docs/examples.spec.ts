import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Every ```ts block of README.md and docs/*.md must type-check against the real API.
 *
 * How:
 * - Each block becomes a virtual module under `<repo>/.doc-examples/` (never written to disk),
 *   so that `rxjs`, `io-ts`, `fp-ts` and `zeromq` resolve from the repo's node_modules.
 *   `moduleDetection: force` makes every block a module of its own: top-level `await` works,
 *   and two blocks may declare the same names.
 * - `pando-rx`, `pando-rx/browser` and `pando-rx/testing` map to the sources (`paths`), so a
 *   doc that names something the API does not export fails here.
 * - One `ts.Program` holds every block (one type-check of the sources for all of them).
 * - Settings: the strict settings of tsconfig.json, except `noUnusedLocals` /
 *   `noUnusedParameters` (an example may import more than it uses); `lib` ES2020 + DOM (for
 *   the browser examples); `types: ['node']` (jest globals are not ambient: a test example
 *   imports them from `@jest/globals`, as a reader's own file would).
 * - A block may stub what it takes from outside with `declare const sessionId: string;`.
 * - A guide that shows several files of one app names them in the fence, ```ts file=pando.service.ts;
 *   the other blocks of the same doc can then import it (`./pando.service`), as the app would.
 * - A block is exempt only when its fence says ```ts no-check (a type listing that is not
 *   code, a fragment that cannot stand alone). Exemptions are listed by the test's name and
 *   capped.
 * - Angular comes with the root install (examples/angular is an npm workspace), so the
 *   Angular blocks of docs/angular.md check against the real `@angular/core`; `experimentalDecorators`
 *   is on, as in Angular projects. Component templates are strings: they are not checked.
 */

const ROOT = resolve(__dirname, '../..');
const VIRTUAL_DIR = join(ROOT, '.doc-examples');

interface Block {
  /** The doc, relative to the repo root, e.g. `docs/rpc.md`. */
  readonly doc: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly code: string;
  readonly skipped: boolean;
  /** The `file=` name from the fence, if any. */
  readonly name?: string;
  readonly fileName: string;
}

const TS_LANGS = new Set(['ts', 'typescript']);

/** The ```ts blocks of one markdown file (fences may be indented, e.g. inside a list). */
const extractBlocks = (path: string): Block[] => {
  const doc = relative(ROOT, path).split('\\').join('/');
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const [, indent, fence, info] = open as unknown as [string, string, string, string];
    const words = info.trim().split(/\s+/);
    // Find the closing fence: same character, at least as long, nothing after it.
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`).test(lines[end]!)) end++;
    if (TS_LANGS.has(words[0]!.toLowerCase())) {
      const body = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
      const line = i + 1;
      const name = words.find((w) => w.startsWith('file='))?.slice('file='.length);
      // One directory per doc: the blocks of a doc can import each other's named files.
      const dir = join(VIRTUAL_DIR, doc.replace(/[/.]/g, '_'));
      blocks.push({
        doc,
        line,
        code: `${body.join('\n')}\n`,
        skipped: words.includes('no-check'),
        ...(name === undefined ? {} : { name }),
        fileName: join(dir, name ?? `L${line}.ts`),
      });
    }
    i = end;
  }
  return blocks;
};

const docFiles = (): string[] => {
  const files: string[] = [];
  const readme = join(ROOT, 'README.md');
  if (existsSync(readme)) files.push(readme);
  const docs = join(ROOT, 'docs');
  for (const name of readdirSync(docs).sort()) if (name.endsWith('.md')) files.push(join(docs, name));
  return files;
};

const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ES2022,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  moduleDetection: ts.ModuleDetectionKind.Force,
  lib: ['lib.es2020.d.ts', 'lib.dom.d.ts'],
  types: ['node'],
  strict: true,
  noImplicitReturns: true,
  noFallthroughCasesInSwitch: true,
  noUnusedLocals: false,
  noUnusedParameters: false,
  exactOptionalPropertyTypes: false,
  esModuleInterop: true,
  forceConsistentCasingInFileNames: true,
  skipLibCheck: true,
  isolatedModules: true,
  resolveJsonModule: true,
  experimentalDecorators: true,
  noEmit: true,
  baseUrl: ROOT,
  paths: {
    'pando-rx': ['src/index.ts'],
    'pando-rx/browser': ['src/browser.ts'],
    'pando-rx/testing': ['src/testing/index.ts'],
  },
};

const blocks = docFiles().flatMap(extractBlocks);
const checked = blocks.filter((b) => !b.skipped);
const skipped = blocks.filter((b) => b.skipped);
const where = (b: Block): string => `${b.doc}:${b.line}`;

/** One program for every block; virtual files are served from memory. */
const createProgram = (): ts.Program => {
  const virtual = new Map<string, string>(checked.map((b) => [b.fileName, b.code]));
  const host = ts.createCompilerHost(compilerOptions, true);
  const { getSourceFile, fileExists, readFile } = host;
  const virtualDirs = new Set([...virtual.keys()].map((name) => dirname(name)));
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.directoryExists = (name) => virtualDirs.has(name) || name === VIRTUAL_DIR || ts.sys.directoryExists(name);
  host.readFile = (name) => virtual.get(name) ?? readFile.call(host, name);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
    const text = virtual.get(name);
    return text === undefined
      ? getSourceFile.call(host, name, languageVersion, onError, shouldCreate)
      : ts.createSourceFile(name, text, languageVersion, true);
  };
  return ts.createProgram({ rootNames: [...virtual.keys()], options: compilerOptions, host });
};

/** A diagnostic as `docs/x.md:LINE:COL TSnnnn: message`, lines counted in the doc. */
const format = (block: Block, d: ts.Diagnostic): string => {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
  if (d.file === undefined || d.start === undefined) return `${where(block)} TS${d.code}: ${text}`;
  if (d.file.fileName !== block.fileName) {
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${where(block)} (in ${relative(ROOT, d.file.fileName)}:${line + 1}:${character + 1}) TS${d.code}: ${text}`;
  }
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  const source = block.code.split('\n')[line] ?? '';
  return `${block.doc}:${block.line + 1 + line}:${character + 1} TS${d.code}: ${text}\n      | ${source}`;
};

describe('docs: every ```ts block type-checks against the API', () => {
  let program: ts.Program;

  beforeAll(() => {
    program = createProgram();
  }, 120_000);

  it(`finds the blocks (${checked.length} checked, ${skipped.length} marked no-check)`, () => {
    expect(checked.length).toBeGreaterThan(0);
    const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
    expect(global.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '))).toEqual([]);
  });

  it('names each file= block once per doc, as a .ts file', () => {
    const named = blocks.filter((b) => b.name !== undefined);
    expect(named.filter((b) => !/^[\w.-]+\.ts$/.test(b.name!)).map(where)).toEqual([]);
    const seen = new Set<string>();
    const repeated = named.filter((b) => (seen.has(b.fileName) ? true : (seen.add(b.fileName), false)));
    expect(repeated.map(where)).toEqual([]);
  });

  it(`exempts few blocks (no-check: ${skipped.length === 0 ? 'none' : skipped.map(where).join(', ')})`, () => {
    // Exemptions are for type listings and fragments; keep them rare.
    expect(skipped.length).toBeLessThanOrEqual(Math.max(3, Math.floor(blocks.length / 10)));
  });

  it.each(checked.map((b) => [where(b), b] as const))('%s', (_name, block) => {
    const file = program.getSourceFile(block.fileName);
    expect(file).toBeDefined();
    const diagnostics = [...program.getSyntacticDiagnostics(file!), ...program.getSemanticDiagnostics(file!)];
    const messages = diagnostics.map((d) => format(block, d));
    if (messages.length > 0) throw new Error(`${messages.length} type error(s):\n  ${messages.join('\n  ')}`);
  });
});
