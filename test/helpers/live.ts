import { createServer } from 'node:net';
import { filter, firstValueFrom, take, timeout, toArray, type Observable } from 'rxjs';

/** A TCP port that was free a moment ago on the loopback interface. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

/**
 * The first value of `source` that satisfies `predicate`. Waits on the event itself; the
 * guard only turns a hang into a clear failure.
 */
export const waitFor = <T>(source: Observable<T>, predicate: (value: T) => boolean = () => true, guardMs = 10_000): Promise<T> =>
  firstValueFrom(source.pipe(filter(predicate), timeout({ first: guardMs })));

/** The first `count` values of `source`. */
export const collect = <T>(source: Observable<T>, count: number, guardMs = 10_000): Promise<T[]> =>
  firstValueFrom(source.pipe(take(count), toArray(), timeout({ first: guardMs })));
