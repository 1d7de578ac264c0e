import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `npm start`: the live view over the embedded fake instance, ended by itself with --once. */
describe('the demo (npm start --once)', () => {
  it('shows the sessions, the streamed text, the tool calls and the status, then exits 0', async () => {
    const root = join(__dirname, '..', '..');
    const { stdout } = await run(process.execPath, [join(root, 'dist', 'cjs', 'cli', 'demo.js'), '--once'], {
      cwd: root,
      timeout: 30_000,
      env: { ...process.env, CI: 'true' },
    });
    expect(stdout).toMatch(/^\[status\] connecting$/m);
    expect(stdout).toMatch(/^\[status\] alive$/m);
    expect(stdout).toMatch(/^sessions \(2, from state\.sync\):$/m);
    expect(stdout).toMatch(/^agent .*I have a fix ready\. \(done\)$/m);
    expect(stdout).toMatch(/✓ read_file \d+ ms/);
    expect(stdout.match(/^ {2}turn done: \d+ tokens out, 1 tool call\(s\)$/gm)).toHaveLength(2);
    expect(stdout).not.toMatch(/\u001b\[/); // no colours off a terminal
  });
});
