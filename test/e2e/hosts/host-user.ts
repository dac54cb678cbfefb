/**
 * The Unix user of one test host: made with `useradd -m`, unlocked for public keys only
 * (`useradd` leaves the account locked, and sshd without PAM refuses even a key login to a
 * locked account; `usermod -p '*'` unlocks it without giving it a password), with the test
 * client's key in its `authorized_keys`. Removal also takes the files the user left in the
 * shared temp folders (its tmux socket folder, the agent CLIs' scratch files).
 */
import {
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { endProcesses, run, tryRun } from './commands.js';

export interface HostUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  made: boolean;
  /** Entries of the shared temp folders owned by the uid before the user existed (an earlier
   *  user's with the same uid): removal leaves those alone. */
  foreign?: Set<string>;
}

/** Folders shared by every user where a test host user's programs leave files. */
const SHARED_TMP = ['/tmp', '/var/tmp', '/dev/shm'];

export function makeHostUser(user: HostUser, clientPublicKey: string): void {
  run('useradd', ['-m', '-s', '/bin/bash', '-c', 'cao test host', user.name]);
  user.made = true;
  run('usermod', ['-p', '*', user.name]);
  const [, , uid, gid, , home] = run('getent', ['passwd', user.name]).trim().split(':');
  user.uid = Number(uid);
  user.gid = Number(gid);
  user.home = home ?? '';
  user.foreign = new Set(tmpEntriesOf(user.uid));
  if (!user.home.startsWith('/home/')) throw new Error(`unexpected home ${user.home}`);
  const sshDir = join(user.home, '.ssh');
  mkdirSync(sshDir, { mode: 0o700 });
  writeFileSync(join(sshDir, 'authorized_keys'), clientPublicKey, { mode: 0o600 });
  chownTree(sshDir, user.uid, user.gid);
}

/** Gives `path` and everything below it to uid:gid. */
export function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const entry of readdirSync(path, { recursive: true })) {
    const p = join(path, String(entry));
    // lchown semantics: a symlink's target may be outside the home
    try {
      if (lstatSync(p).isSymbolicLink()) continue;
      chownSync(p, uid, gid);
    } catch {
      // removed meanwhile
    }
  }
}

/** Processes of this uid anywhere (e.g. started with runuser outside the namespace). */
function processesOf(uid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const real = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      if (Number(real) === uid) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Top-level entries of the shared temp folders owned by `uid`. */
function tmpEntriesOf(uid: number): string[] {
  const found: string[] = [];
  for (const dir of SHARED_TMP) {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const e of entries) {
      try {
        if (lstatSync(join(dir, e)).uid === uid) found.push(join(dir, e));
      } catch {
        // gone meanwhile
      }
    }
  }
  return found;
}

/**
 * Removes the user, its home, its processes and its files in the shared temp folders.
 * Idempotent; returns what could not be removed.
 */
export function removeHostUser(user: HostUser): string[] {
  if (!user.made) return [];
  // the uid is only known once getent went through
  if (user.uid > 0) {
    endProcesses(processesOf(user.uid), { hangUp: true });
    for (const p of tmpEntriesOf(user.uid)) {
      if (!user.foreign?.has(p)) rmSync(p, { recursive: true, force: true });
    }
  }
  if (tryRun('userdel', ['-r', user.name]) || !tryRun('getent', ['passwd', user.name])) {
    user.made = false;
    return [];
  }
  return [`user ${user.name}`];
}
