import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { ROOT as root } from './pack';

/**
 * What `npm pack` puts in the tarball (`--dry-run --json`: the file list without writing it;
 * `--ignore-scripts`: the global setup has built dist/, and `prepare` must not rebuild it while
 * other specs run it).
 */
describe('the tarball (npm pack)', () => {
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
  ) as [{ files: { path: string }[] }];
  const shipped = new Set(packed.files.map((file) => file.path));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const read = (path: string): string => readFileSync(join(root, path), 'utf8');

  it('ships the MIT LICENSE of the pando-rx authors and the README', () => {
    expect(shipped).toContain('LICENSE');
    expect(read('LICENSE')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} pando-rx authors\n/);
    expect(pkg['license']).toBe('MIT');
    expect(shipped).toContain('README.md');
  });

  it('names its repository', () => {
    expect(pkg['repository']).toEqual({ type: 'git', url: 'git+https://github.com/pando-rx/pando-rx.git' });
  });

  it('says, until it is published, how to install it from the repository or from a tarball', () => {
    // The README points at getting-started's Install section, whose commands name this
    // package's repository and the tarball that `npm pack` writes for this version.
    expect(read('README.md')).toContain('](docs/getting-started.md#install)');
    const guide = read('docs/getting-started.md');
    const section = guide.slice(guide.indexOf('\n## Install\n'), guide.indexOf('\n## ', guide.indexOf('\n## Install\n') + 1));
    const repository = (pkg['repository'] as { url: string }).url;
    expect(section).toContain(`npm install ${repository} `);
    expect(section).toContain(`git clone ${repository.replace(/^git\+/, '')}`);
    expect(section).toMatch(/npm pack\b/);
    expect(section).toContain(`npm install ../pando-rx/${String(pkg['name'])}-${String(pkg['version'])}.tgz`);
  });

  it('ships every file that a relative link of a shipped Markdown page points at', () => {
    const pages = [...shipped].filter((path) => path.endsWith('.md'));
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'docs/README.md', 'docs/getting-started.md']));
    const broken = pages.flatMap((page) => {
      // Links in code (fenced blocks and inline spans) are not links.
      const prose = read(page).replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
      return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
        .map((match) => match[1]!.split('#')[0]!)
        .filter((target) => target !== '' && !/^[a-z][a-z+.-]*:/i.test(target))
        .map((target) => normalize(join(dirname(page), target)))
        .filter((target) => !shipped.has(target))
        .map((target) => `${page} → ${target}`);
    });
    expect(broken).toEqual([]);
  });

  it('ships every file the manifest names: main, module, types, browser, bin, each export and the node10 stubs', () => {
    const named: string[] = [];
    const collect = (value: unknown): void => {
      if (typeof value === 'string') named.push(value);
      else if (typeof value === 'object' && value !== null) Object.values(value).forEach(collect);
    };
    collect([pkg['main'], pkg['module'], pkg['types'], pkg['browser'], pkg['bin'], pkg['exports']]);
    for (const stub of ['browser', 'testing']) {
      expect(shipped).toContain(`${stub}/package.json`);
      const manifest = JSON.parse(read(`${stub}/package.json`)) as Record<string, string>;
      named.push(...['main', 'module', 'types'].map((field) => join(stub, manifest[field]!)));
    }
    const missing = named.map((path) => normalize(path)).filter((path) => !shipped.has(path));
    expect(named.length).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });

  it('ships source maps that carry their sources, and no TypeScript source or build leftovers', () => {
    const maps = [...shipped].filter((path) => path.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(20);
    const unreadable = maps.flatMap((path) => {
      const map = JSON.parse(read(path)) as { sources: string[]; sourcesContent?: (string | null)[] };
      // A source is readable when the map carries it, or when the file it names is shipped.
      return map.sources
        .filter((source, i) => typeof map.sourcesContent?.[i] !== 'string' && !shipped.has(normalize(join(dirname(path), source))))
        .map((source) => `${path} → ${source}`);
    });
    expect(unreadable).toEqual([]);
    const stray = [...shipped].filter((path) => /^(src|test|bench|scripts)\//.test(path) || /\.tsbuildinfo$|^dist\/\.build-inputs$|\.spec\./.test(path));
    expect(stray).toEqual([]);
  });
});
