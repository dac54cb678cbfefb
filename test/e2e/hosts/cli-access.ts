/**
 * Making the pinned agent CLIs in .cache/agent-clis usable by a test host's user. The folders
 * are root's; what another user needs is read access to each file a CLI loads, execute access
 * to its programs and to every folder on the way. npm installs almost everything that way
 * already; a few package files come without the read bit for others (qrcode, which Kimi Code
 * loads, ships two such files), and only those are changed, only below the agent CLIs' folder,
 * only in the packages a requested CLI loads (its dependency tree in package-lock.json, plus
 * the Node the CLIs run on). The folders above it are never changed: when one of them is closed
 * to other users, this says so.
 */
import { chmodSync, existsSync, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../../support/shared.js';
import { run } from './commands.js';

const MANIFEST = JSON.parse(
  readFileSync(join(PROJECT_ROOT, 'test', 'e2e', 'agent-clis.json'), 'utf8'),
) as { node: string; clis: Record<string, string> };

interface LockEntry {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const packageName = (spec: string): string => spec.slice(0, spec.lastIndexOf('@'));

/**
 * The package folders (relative to the agents folder, `node_modules/…`) that the CLIs load:
 * each one's own and its dependencies', found as Node finds them (the nearest node_modules up
 * the tree).
 */
export function packagesOf(agentsDir: string, clis: string[]): string[] {
  const lock = JSON.parse(readFileSync(join(agentsDir, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const resolve = (from: string, name: string): string | undefined => {
    for (let at = from; ; at = at.slice(0, Math.max(0, at.lastIndexOf('/node_modules/')))) {
      const candidate = `${at ? `${at}/` : ''}node_modules/${name}`;
      if (lock.packages[candidate]) return candidate;
      if (!at) return undefined;
    }
  };
  const seen = new Set<string>();
  const visit = (pkg: string | undefined): void => {
    if (!pkg || seen.has(pkg)) return;
    seen.add(pkg);
    const entry = lock.packages[pkg]!;
    const deps = { ...entry.optionalDependencies, ...entry.dependencies };
    for (const name of Object.keys(deps)) visit(resolve(pkg, name));
  };
  for (const cli of clis) {
    const spec = MANIFEST.clis[cli];
    if (!spec) throw new Error(`no pinned package for ${cli} in agent-clis.json`);
    visit(resolve('', packageName(spec)));
  }
  visit(resolve('', packageName(MANIFEST.node)));
  return [...seen].sort();
}

/** Entries below `dirs` that other users cannot use: folders without r-x, files without r,
 *  programs without x. */
export function closedToOthers(dirs: string[]): string[] {
  if (dirs.length === 0) return [];
  const out = run('find', [
    ...dirs,
    '(',
    '-type',
    'd',
    '!',
    '-perm',
    '-o=rx',
    ')',
    '-o',
    '(',
    '-type',
    'f',
    '(',
    '!',
    '-perm',
    '-o=r',
    '-o',
    '-perm',
    '-u=x',
    '!',
    '-perm',
    '-o=x',
    ')',
    ')',
    '-print',
  ]);
  return out.split('\n').filter(Boolean);
}

/**
 * Opens the packages the given CLIs load to other users (read, and execute where the owner
 * has it); returns the paths it changed. Throws when a folder above the agents folder is
 * closed to others: that is not this project's to change.
 */
export function openClisToOthers(agentsDir: string, clis: string[]): string[] {
  const real = realpathSync(agentsDir);
  for (let d = dirname(real); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o005) !== 0o005) {
      throw new Error(
        `${d} is closed to other users, so a test host user cannot run the agent CLIs in ${real}; ` +
          'put the checkout where other users may enter (chmod o+rx on its folders)',
      );
    }
    if (d === '/') break;
  }
  const packages = packagesOf(real, clis)
    .map((p) => join(real, p))
    // optional dependencies for other platforms are in the lock file only
    .filter((p) => existsSync(p));
  const changed: string[] = [];
  for (const p of [real, join(real, 'node_modules'), join(real, 'node_modules', '.bin')]) {
    if ((statSync(p).mode & 0o005) !== 0o005) changed.push(p);
  }
  changed.push(...closedToOthers(packages));
  for (const p of changed) {
    const mode = lstatSync(p).mode;
    const exec = lstatSync(p).isDirectory() || (mode & 0o100) !== 0 ? 0o001 : 0;
    chmodSync(p, (mode & 0o7777) | 0o004 | exec);
  }
  return changed;
}
