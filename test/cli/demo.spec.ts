import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const root = join(__dirname, '..', '..');
const demo = join(root, 'dist', 'cjs', 'cli', 'demo.js');

/** The environment of a first run: not CI, no colours forced. */
const plainEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env['CI'];
  delete env['npm_config_once'];
  delete env['FORCE_COLOR'];
  return env;
};

/** The blocks of the sessions table, as printed. */
const tables = (stdout: string): string[] => [...stdout.matchAll(/^sessions \(.*\n(?: {2}.*\n)+/gm)].map((m) => m[0]);

/** `npm start`: the live view over the embedded fake instance. */
describe('the demo (npm start)', () => {
  it('piped (not a terminal), with no --once and no CI: a header, two turns, then it stops by itself', async () => {
    const { stdout, stderr } = await execFileAsync(process.execPath, [demo], { cwd: root, timeout: 30_000, env: plainEnv() });
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^pando-rx demo: a simulated Pando instance \(fake-[0-9a-f]{8}\) at PUB tcp:\S+, RPC tcp:\S+\.$/m);
    expect(stdout).toMatch(/^It plays two turns, then stops \(Ctrl-C stops it sooner\)\.$/m);
    expect(stdout).toMatch(/^\[status\] connecting$/m);
    expect(stdout).toMatch(/^\[status\] alive$/m);
    expect(stdout).toMatch(/^sessions \(2, from state\.sync\):$/m);
    expect(stdout).toMatch(/^agent .*I have a fix ready\. \(done\)$/m);
    expect(stdout).toMatch(/✓ read_file \d+ ms/);
    expect(stdout.match(/^ {2}turn done: \d+ tokens out, 1 tool call\(s\)$/gm)).toHaveLength(2);
    expect(stdout).not.toMatch(/\u001b\[/); // no colours off a terminal
  });

  it('prints the sessions only when what they show changed: at most once a turn', async () => {
    const { stdout } = await execFileAsync(process.execPath, [demo, '--once'], { cwd: root, timeout: 30_000, env: plainEnv() });
    const printed = tables(stdout);
    expect(printed.length).toBeGreaterThanOrEqual(2);
    expect(printed.length).toBeLessThanOrEqual(2 + 2); // the first, one per turn, the last
    for (let i = 1; i < printed.length; i++) expect(printed[i]).not.toBe(printed[i - 1]);
    expect(stdout.match(/^you /gm)).toHaveLength(2);
  });

  it('Ctrl-C stops it cleanly: exit 0, no leaked error', async () => {
    const child = spawn(process.execPath, [demo, '--pace', '50'], { cwd: root, env: plainEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`no streamed text\n${stdout}`)), 15_000);
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (/^agent /m.test(stdout)) {
          clearTimeout(guard);
          resolve();
        }
      });
    });
    child.kill('SIGINT'); // mid-turn: the turn's end, the RPCs and the streams are still pending
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/stopping…\n$/);
    expect(stdout + stderr).not.toContain('no elements in sequence');
    expect(stderr).toBe('');
  });

  it('npm start builds only when the sources changed since the last build', async () => {
    const { stdout, stderr } = await execFileAsync(process.execPath, [join(root, 'scripts', 'start.mjs'), '--once'], { cwd: root, timeout: 30_000, env: plainEnv() });
    expect(stderr).not.toContain('built dist');
    expect(stdout).toMatch(/^pando-rx demo: /);
  });
});
