import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packInto, ROOT } from './pack';

/** The dependency lists of the shipped package.json. */
export interface Manifest {
  readonly dependencies: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

/**
 * Installs the packed package into `work/project` as npm would, offline: the tarball unpacked
 * into node_modules/pando-rx, and the dependencies its package.json declares linked to the
 * repository's own copies (so nothing is fetched). `omitOptional` installs what
 * `npm install --omit=optional` does: the `dependencies` only, no `optionalDependencies`
 * (zeromq). `extra` are further packages the project has anyway (e.g. `@types/node`).
 *
 * Linked rather than `npm install --offline`: npm resolves version ranges from the registry's
 * package documents, which an `npm ci` does not cache, so an offline install of the tarball fails
 * (ENOTCACHED) and an online one would make the suite depend on the network.
 *
 * ```ts
 * const project = installPacked(mkdtempSync(join(tmpdir(), 'x-')), { omitOptional: true, extra: ['@types/node'] });
 * ```
 */
export const installPacked = (work: string, options: { readonly omitOptional: boolean; readonly extra?: readonly string[] }): string => {
  const tarball = packInto(work);
  execFileSync('tar', ['-xzf', tarball, '-C', work]);
  const project = join(work, 'project');
  const modules = join(project, 'node_modules');
  mkdirSync(modules, { recursive: true });
  renameSync(join(work, 'package'), join(modules, 'pando-rx'));
  const manifest = JSON.parse(readFileSync(join(modules, 'pando-rx', 'package.json'), 'utf8')) as Manifest;
  const names = [...Object.keys(manifest.dependencies), ...(options.omitOptional ? [] : Object.keys(manifest.optionalDependencies ?? {})), ...(options.extra ?? [])];
  for (const name of names) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(realpathSync(join(ROOT, 'node_modules', name)), join(modules, name), 'dir');
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  return project;
};

/**
 * A directory for a project that must not find packages outside its own node_modules: the
 * first of the system's temporary directories with no node_modules in it or above it (Node
 * looks for a package in every ancestor's node_modules, and a machine may have, say, a
 * /tmp/node_modules).
 *
 * ```ts
 * const work = mkdtempSync(join(isolatedTmpdir(), 'pando-rx-no-zeromq-'));
 * ```
 */
export const isolatedTmpdir = (): string => {
  const hasNodeModulesAbove = (dir: string): boolean => existsSync(join(dir, 'node_modules')) || (dirname(dir) !== dir && hasNodeModulesAbove(dirname(dir)));
  const found = [tmpdir(), '/var/tmp', '/dev/shm'].find((dir) => existsSync(dir) && !hasNodeModulesAbove(realpathSync(dir)));
  if (found === undefined) throw new Error(`no temporary directory without a node_modules above it (${tmpdir()}, /var/tmp, /dev/shm)`);
  return found;
};
