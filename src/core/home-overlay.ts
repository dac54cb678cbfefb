/**
 * Brings a CLI's stand-in home folder (providers/provider.ts, HomeOverlay) up to date on this
 * machine before a launch: every entry of the user's home linked, the replaced ones written.
 * Synchronous on purpose: one launch's update never interleaves with another's. On a remote
 * host the same is done by runtime/ssh/home-overlay-script.ts (one update at a time per host);
 * home-overlay.test.ts holds both to the same behaviour.
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { HomeOverlay } from '../providers/provider.js';

/** A CLI's temporary file of an atomic write maybe still in flight (`name.tmp.<pid>.<hex>`,
 *  `name.tmp-<pid>-<n>`, `name.<pid>.tmp`): left where it is. */
const IN_FLIGHT_RE = /\.tmp(?:[.-]|$)/;

export function syncHomeOverlay(o: HomeOverlay): void {
  mkdirSync(o.source, { recursive: true, mode: 0o700 });
  for (const d of o.ensureDirs) mkdirSync(join(o.source, d), { recursive: true, mode: 0o700 });
  // 'a': made when missing, never truncated
  for (const f of o.ensureFiles) closeSync(openSync(join(o.source, f), 'a', 0o600));
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  chmodSync(o.dir, 0o700);
  const replaced = new Set(Object.keys(o.replace));
  for (const name of readdirSync(o.dir)) {
    if (replaced.has(name) || IN_FLIGHT_RE.test(name)) continue;
    const at = join(o.dir, name);
    const target = join(o.source, name);
    if (lstatSync(at).isSymbolicLink()) {
      // a link whose entry the user removed goes; a link to elsewhere is not ours to keep
      if (readlinkSync(at) !== target || !existsSync(target)) rmSync(at, { force: true });
      continue;
    }
    // the CLI wrote this in place of a link (an atomic rename replaces a link): as if it had
    // written in the user's home, which gets it when it has nothing of that name, or when it
    // has an older plain file (the later write wins: a login made inside an agent is kept)
    const mine = lstatSync(at);
    const theirs = lstatOrUndefined(target);
    if (!theirs) moveInto(at, target);
    else if (mine.isFile() && theirs.isFile() && mine.mtimeMs > theirs.mtimeMs)
      moveInto(at, target);
    else if (!mine.isDirectory()) rmSync(at, { force: true });
    // a folder the user's home also has is left as it is: nothing the CLI wrote is deleted;
    // nor is the user's own link (a dotfile manager's) ever replaced by a file
  }
  for (const name of readdirSync(o.source)) {
    if (replaced.has(name)) continue;
    const at = join(o.dir, name);
    if (!lstatExists(at)) symlinkSync(join(o.source, name), at);
  }
  for (const [name, content] of Object.entries(o.replace)) {
    const from = join(o.source, name);
    const text = existsSync(from) ? readFileSync(from, 'utf8') : undefined;
    const at = join(o.dir, name);
    const tmp = `${at}.cao-${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, content(text), { mode: 0o600 });
    renameSync(tmp, at);
  }
}

/** Moves an entry into the user's home (same file system), or leaves it where it is. */
function moveInto(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    return;
  }
}

function lstatExists(path: string): boolean {
  return lstatOrUndefined(path) !== undefined;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
