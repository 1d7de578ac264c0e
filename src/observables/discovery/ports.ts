/**
 * The deterministic ports of a working directory (PROTOCOL.md §3): what the primary Pando
 * instance of a directory binds, computed from the directory's path alone.
 */
import * as path from 'node:path';

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a, 32 bits, of `bytes`: an unsigned 32-bit integer.
 *
 * ```ts
 * fnv1a32(new TextEncoder().encode('a')); // 0xe40c292c
 * ```
 */
export const fnv1a32 = (bytes: Uint8Array): number => {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i]!;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
};

/** The first port of the range Pando derives ports from; ports fall in `[40000, 60000]`. */
export const PORT_RANGE_BASE = 40000;
/** How many bases the range holds: `base = 40000 + hash mod 20000`. */
export const PORT_RANGE_SIZE = 20000;

const utf8 = new TextEncoder();

/**
 * The ports the primary Pando instance of the working directory `workdir` binds:
 * `base = 40000 + (FNV-1a-32(UTF-8 bytes of the absolute path) mod 20000)`, PUB = `base`,
 * RPC = `base + 1`.
 *
 * A relative `workdir` is made absolute with `path.resolve` (against `process.cwd()`), which
 * also normalizes it (`.`, `..`, doubled and trailing slashes), as Go's `filepath.Abs` does.
 * Symbolic links are **not** followed: `/link/project` and its target hash differently, just
 * as they do in Pando, which hashes the path it was started in.
 *
 * ```ts
 * portsForPath('/home/user/project'); // { pubPort: 46503, rpcPort: 46504 }
 * ```
 */
export const portsForPath = (workdir: string): { pubPort: number; rpcPort: number } => {
  const base = PORT_RANGE_BASE + (fnv1a32(utf8.encode(path.resolve(workdir))) % PORT_RANGE_SIZE);
  return { pubPort: base, rpcPort: base + 1 };
};
