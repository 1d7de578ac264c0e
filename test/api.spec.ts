import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as browser from '../src/browser';
import * as root from '../src/index';
import * as testing from '../src/testing/index';

/** The names listed in the tables of one `## …` section of docs/api.md. */
const documented = (heading: string): string[] => {
  const doc = readFileSync(join(__dirname, '..', 'docs', 'api.md'), 'utf8');
  const start = doc.indexOf(`## ${heading}`);
  if (start < 0) throw new Error(`docs/api.md has no section "${heading}"`);
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!).sort();
};

describe('the public API is what docs/api.md lists, by name', () => {
  it('pando-rx/browser', () => {
    expect(Object.keys(browser).sort()).toEqual(documented('`pando-rx/browser` (and `pando-rx`)'));
  });

  it('pando-rx: the browser half plus the Node names, nothing else', () => {
    const nodeOnly = Object.keys(root).filter((name) => !(name in browser));
    expect(nodeOnly.sort()).toEqual(documented('`pando-rx` only (Node)'));
    for (const name of Object.keys(browser)) expect((root as Record<string, unknown>)[name]).toBe((browser as Record<string, unknown>)[name]);
  });

  it('pando-rx/testing', () => {
    expect(Object.keys(testing).sort()).toEqual(documented('`pando-rx/testing`'));
  });

  it('keeps internals out: no FrameHub, RpcClient, nextRequestId, mirrorStream', () => {
    for (const name of ['FrameHub', 'RpcClient', 'nextRequestId', 'mirrorStream', 'RequestQueue', 'eventSignals', 'Backlog']) {
      expect(name in root).toBe(false);
    }
  });
});
