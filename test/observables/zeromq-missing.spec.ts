import { createServer, type AddressInfo, type Server } from 'node:net';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';

// pando-rx where the optional dependency zeromq is not installed (`npm install --omit=optional`):
// each spec loads a fresh copy of the sources with `require('zeromq')` failing as Node fails it.
// (test/package/optional-zeromq.spec.ts does the same with the packed package and no zeromq.)

type Sources = {
  readonly index: typeof import('../../src/index');
  readonly testing: typeof import('../../src/testing/index');
  readonly cli: typeof import('../../src/cli/main');
};

/** The sources, loaded in isolation with `require('zeromq')` throwing `error`. */
const withoutZeromq = (error: Error): Sources => {
  let sources: Sources | undefined;
  jest.isolateModules(() => {
    jest.doMock('zeromq', () => {
      throw error;
    });
    sources = { index: require('../../src/index'), testing: require('../../src/testing/index'), cli: require('../../src/cli/main') };
  });
  return sources!;
};

/** The error Node's require throws for a package that is not installed. */
const notFound = (): Error =>
  Object.assign(new Error("Cannot find module 'zeromq'\nRequire stack:\n- /app/node_modules/pando-rx/dist/cjs/index.js"), { code: 'MODULE_NOT_FOUND' });

const ENDPOINTS = { pubEndpoint: 'tcp://127.0.0.1:5551', rpcEndpoint: 'tcp://127.0.0.1:5552' };

describe('without the optional dependency zeromq', () => {
  afterEach(() => jest.dontMock('zeromq'));

  it('loads, and what needs no socket works (codecs, operators, the browser client)', () => {
    const { index } = withoutZeromq(notFound());
    expect(typeof index.connect).toBe('function');
    expect(typeof index.connectBrowser).toBe('function');
    expect(index.checkEndpoint('tcp://127.0.0.1:5551')).toBeUndefined();
  });

  it('rejects checkZeromq() with ZeromqMissingError naming the feature (and it resolves where zeromq is installed)', async () => {
    const { index } = withoutZeromq(notFound());
    await expect(index.checkZeromq('my server')).rejects.toMatchObject({
      name: 'ZeromqMissingError',
      message: "pando-rx: my server needs the optional dependency 'zeromq' (npm install zeromq)",
    });
    jest.dontMock('zeromq');
    let installed: typeof import('../../src/index') | undefined;
    jest.isolateModules(() => (installed = require('../../src/index')));
    await expect(installed!.checkZeromq()).resolves.toBeUndefined();
  });

  it('fails every stream and call of connect() with ZeromqMissingError, saying what to install, and keeps no handle', async () => {
    const { index } = withoutZeromq(notFound());
    const pando = index.connect(ENDPOINTS);
    try {
      const [events, status, ping] = await Promise.all([
        lastValueFrom(pando.events$).catch((err: unknown) => err),
        lastValueFrom(pando.status$.pipe(toArray())).catch((err: unknown) => err),
        firstValueFrom(pando.ping()).catch((err: unknown) => err),
      ]);
      for (const error of [events, status, ping]) {
        expect(error).toBeInstanceOf(index.ZeromqMissingError);
        expect(error).toMatchObject({
          name: 'ZeromqMissingError',
          reason: 'not-installed',
          message: "pando-rx: connect() over ZeroMQ needs the optional dependency 'zeromq' (npm install zeromq)",
        });
      }
      // A second subscription fails the same way (one load attempt, answered again).
      await expect(firstValueFrom(pando.on('llm.token'))).rejects.toBeInstanceOf(index.ZeromqMissingError);
    } finally {
      pando.close();
    }
  });

  it('rejects startFakeInstance() with ZeromqMissingError naming it', async () => {
    const { index, testing } = withoutZeromq(notFound());
    const failure = await testing.startFakeInstance().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(index.ZeromqMissingError);
    expect((failure as Error).message).toBe("pando-rx: startFakeInstance() needs the optional dependency 'zeromq' (npm install zeromq)");
  });

  it('tells a zeromq that is installed but cannot load (no prebuilt binary for this platform) from a missing one', async () => {
    const broken = new Error('No native build was found for platform=plan9 arch=mips');
    const { index } = withoutZeromq(broken);
    const failure = await firstValueFrom(index.connectControl(ENDPOINTS.rpcEndpoint).ping()).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(index.ZeromqMissingError);
    expect(failure).toMatchObject({ reason: 'failed-to-load', cause: broken });
    expect((failure as Error).message).toContain('installed but could not be loaded (No native build was found for platform=plan9 arch=mips)');
  });

  it('does not take a missing file inside zeromq for a missing zeromq', async () => {
    const inner = Object.assign(new Error("Cannot find module './build/Release/zeromq.node'"), { code: 'MODULE_NOT_FOUND' });
    const { testing } = withoutZeromq(inner);
    await expect(testing.startFakeInstance()).rejects.toMatchObject({ name: 'ZeromqMissingError', reason: 'failed-to-load', cause: inner });
  });

  it('makes the command say what to install, in one line, exit code 1', async () => {
    const { cli } = withoutZeromq(notFound());
    // Something listens on both ports, so the command's own probe finds them open.
    const servers: Server[] = [];
    const listen = async (): Promise<string> => {
      const server = createServer((socket) => socket.destroy());
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    try {
      const [pub, rpc] = [await listen(), await listen()];
      let stderr = '';
      const io = { stdout: { write: () => undefined }, stderr: { write: (chunk: string) => void (stderr += chunk) }, env: {}, cwd: '/', isTTY: false };
      expect(await cli.run(['ping', '--pub', pub, '--rpc', rpc], io)).toBe(1);
      expect(stderr).toBe("pando-rx: connect() over ZeroMQ needs the optional dependency 'zeromq' (npm install zeromq)\n");
    } finally {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });

  it.each([
    ['bridge', ['--pub', 'tcp://127.0.0.1:5551', '--rpc', 'tcp://127.0.0.1:5552', '--port', '0']],
    ['relay', ['--nats', 'nats://127.0.0.1:4222']],
  ])('refuses to start pando-rx %s (it would serve nothing), saying what to install', async (command, args) => {
    const { cli } = withoutZeromq(notFound());
    let stdout = '';
    let stderr = '';
    const io = { stdout: { write: (chunk: string) => void (stdout += chunk) }, stderr: { write: (chunk: string) => void (stderr += chunk) }, env: {}, cwd: '/', isTTY: false };
    expect(await cli.run([command, ...args], io)).toBe(1);
    expect(stderr).toBe(`pando-rx: pando-rx ${command} needs the optional dependency 'zeromq' (npm install zeromq)\n`);
    expect(stdout).toBe('');
  });
});
