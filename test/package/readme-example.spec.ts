import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { startFakeInstance, type FakeInstance } from '../../src/testing';
import { ROOT } from './pack';

/**
 * The README's first example, run as a user would: the built package, a working directory
 * whose lock file names a fake instance, in each mode. Against today's Pando it must end
 * cleanly with the instance's error, not crash.
 */
const firstExample = (): string => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('## A short example')));
  if (block === null) throw new Error('README.md has no ts block under "A short example"');
  return block[1]!;
};

const run = (script: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [script], { cwd, timeout: 15_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
    );
  });

describe("the README's first example", () => {
  let dir: string;
  let fake: FakeInstance | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pando-rx-readme-'));
  });
  afterEach(async () => {
    await fake?.stop({ silent: true });
    fake = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const prepare = async (mode: 'pando' | 'full'): Promise<string> => {
    fake = await startFakeInstance({ mode, heartbeatIntervalMs: 0, tokenIntervalMs: 0 });
    const port = (endpoint: string): number => Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
    mkdirSync(join(dir, '.pando'));
    writeFileSync(
      join(dir, '.pando', 'ipc.lock'),
      JSON.stringify({ instance_id: fake.instanceId, pid: process.pid, pub_port: port(fake.pubEndpoint), rpc_port: port(fake.rpcEndpoint), started_at: '2026-03-01T10:00:00Z' }),
    );
    const js = ts.transpileModule(firstExample(), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
    const script = join(dir, 'example.cjs');
    writeFileSync(script, js.replace(/require\("pando-rx"\)/g, JSON.stringify(join(ROOT, 'dist', 'cjs', 'index.js')).replace(/^/, 'require(').replace(/$/, ')')));
    return script;
  };

  it("ends cleanly against today's Pando: the instance's error, said in one line, exit code 1", async () => {
    const result = await run(await prepare('pando'), dir);
    expect(result.stdout).toContain(fake!.sessions()[0]!.title);
    expect(result.stderr.trim()).toBe('the instance answered: message.send: agent runner not available on this instance');
    expect(result.code).toBe(1);
  });

  it('streams the reply to its end against an instance that runs the agent', async () => {
    const result = await run(await prepare('full'), dir);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^done /m);
    expect(result.code).toBe(0);
  });
});
