import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The shape of `src/cli`: one module writes to the terminal (output.ts), and the command uses
 * the library only through its public entry points.
 */
const dir = join(__dirname, '..', '..', 'src', 'cli');
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));

/** The text without comments (doc examples may show escapes). */
const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

describe('src/cli', () => {
  it('has the files this spec reads', () => {
    expect(files.map((f) => f.name)).toEqual(expect.arrayContaining(['main.ts', 'output.ts', 'events.ts']));
  });

  it.each([
    ['process.stdout / process.stderr', /process\.(stdout|stderr)\b/],
    ['console.*', /\bconsole\./],
    ['a write to a stream', /\.(stdout|stderr)\.write\b/],
    ['an escape sequence', /\\u001b|\\x1b|\\e\[|\\u009b|\\x9b|\u001b/i],
  ])('only output.ts uses %s', (_what, pattern) => {
    const offenders = files.filter((f) => f.name !== 'output.ts' && pattern.test(code(f.text))).map((f) => f.name);
    expect(offenders).toEqual([]);
  });

  it('imports the library only through its public entry points', () => {
    const imports = files.flatMap((f) => [...f.text.matchAll(/^import[^;]*?from '([^']+)'/gm)].map((m) => ({ file: f.name, from: m[1]! })));
    expect(imports.length).toBeGreaterThan(10);
    const allowed = (from: string): boolean =>
      from === '../index.js' || from === '../testing/index.js' || /^\.\/[a-z-]+\.js$/.test(from) || from.startsWith('node:') || ['rxjs', 'commander', 'string-width'].includes(from);
    expect(imports.filter((i) => !allowed(i.from))).toEqual([]);
  });
});
