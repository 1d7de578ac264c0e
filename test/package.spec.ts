import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The package as a user loads it: the built entry points of the exports map. */
describe('the built package', () => {
  const root = join(__dirname, '..');
  const node = (code: string, type: 'commonjs' | 'module'): string =>
    execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], { cwd: root, encoding: 'utf8' }).trim();

  it('loads with require() from the repo root', () => {
    const out = node(
      "const p = require('./'); console.log([typeof p.connect, typeof p.decodeFrame, typeof p.RemoteControl, typeof p.ofTopic].join(' '))",
      'commonjs',
    );
    expect(out).toBe('function function function function');
  });

  it('loads with import, including ./browser (codecs and operators only) and ./testing', () => {
    const out = node(
      [
        "const p = await import('pando-rx');",
        "const b = await import('pando-rx/browser');",
        "const t = await import('pando-rx/testing');",
        'console.log([typeof p.connect, typeof p.mirrorState, typeof b.connect, typeof b.decodeFrame, typeof b.mirrorState, typeof t.startFakeInstance, typeof t.FakeTransport].join(" "));',
      ].join('\n'),
      'module',
    );
    expect(out).toBe('function function undefined function function function function');
  });

  it('ships type declarations for each entry point', () => {
    const pkg = require(join(root, 'package.json')) as { exports: Record<string, { types?: string }> };
    for (const entry of ['.', './browser', './testing']) {
      const types = pkg.exports[entry]!.types!;
      expect(() => require.resolve(join(root, types))).not.toThrow();
    }
  });

  it('lets a process that has unsubscribed everything exit by itself, without close()', () => {
    // A child connects to a fake instance, uses a live stream and an RPC call, lets go of both
    // and stops the fake: nothing it opened may keep it alive (the RPC socket closes when idle).
    const script = [
      "const { connect } = require('./');",
      "const { startFakeInstance } = require('./dist/cjs/testing/index.js');",
      "const { firstValueFrom } = require('rxjs');",
      '(async () => {',
      "  const fake = await startFakeInstance({ heartbeatIntervalMs: 0 });",
      '  const pando = connect({ pubEndpoint: fake.pubEndpoint, rpcEndpoint: fake.rpcEndpoint, rpcIdleCloseMs: 50 });',
      '  const mirror = await firstValueFrom(pando.mirror$);',
      '  await firstValueFrom(pando.ping());',
      '  await fake.stop();',
      "  console.log('done ' + mirror.size);",
      '})();',
    ].join('\n');
    const started = Date.now();
    const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 15_000 });
    expect(out.trim()).toBe('done 2');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
