/**
 * The OpenSSH server of one test host: Debian's sshd in the host's namespace, in the
 * foreground (`-D -e`, a child this process stops by pid, logging to a buffer), on the
 * namespace's address only, with an ed25519 host key of its own and a config file of its own
 * (nothing from /etc/ssh): public keys only, no password, no PAM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { endProcesses, run, TOOL_ENV } from './commands.js';

const SSHD = '/usr/sbin/sshd';
/** sshd's privilege-separation folder (compiled in); Debian's service makes it at boot. */
const PRIVSEP_DIR = '/run/sshd';
const LOG_LIMIT = 256 * 1024;

export interface Sshd {
  configPath: string;
  /** The host's public key line (`ssh-ed25519 AAAA… comment`). */
  publicKey: string;
  child: ChildProcess | undefined;
  log: string;
}

/**
 * Writes the host key and sshd_config into `dir` (a private folder of the test client).
 * `PermitUserEnvironment yes` lets a test host user's `~/.ssh/environment` set PATH and the
 * agent CLIs' settings for every session (remote-home.ts writes it), as a user's shell
 * profile would on a real machine.
 */
export function writeSshdFiles(
  dir: string,
  o: { address: string; user: string; extraConfig?: string[] },
): Sshd {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', o.user, '-f', hostKey]);
  const lines = [
    `ListenAddress ${o.address}`,
    'Port 22',
    `HostKey ${hostKey}`,
    'PidFile none',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'AuthenticationMethods publickey',
    'PermitRootLogin no',
    `AllowUsers ${o.user}`,
    'AuthorizedKeysFile .ssh/authorized_keys',
    'StrictModes yes',
    'PermitUserEnvironment yes',
    'AllowTcpForwarding yes',
    'X11Forwarding no',
    'PrintMotd no',
    'PrintLastLog no',
    ...(o.extraConfig ?? []),
  ];
  const configPath = join(dir, 'sshd_config');
  writeFileSync(configPath, `${lines.join('\n')}\n`, { mode: 0o600 });
  return {
    configPath,
    publicKey: readFileSync(`${hostKey}.pub`, 'utf8').trim(),
    child: undefined,
    log: '',
  };
}

/** Starts sshd inside `namespace`; resolves once it listens, rejects with its log otherwise. */
export async function startSshd(sshd: Sshd, namespace: string, timeoutMs = 10_000) {
  if (sshd.child) throw new Error('sshd is already running');
  if (!existsSync(PRIVSEP_DIR)) mkdirSync(PRIVSEP_DIR, { mode: 0o755 });
  // `ip netns exec` enters the namespace and execs sshd: the child's pid is sshd's
  const child = spawn('ip', ['netns', 'exec', namespace, SSHD, '-D', '-e', '-f', sshd.configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: TOOL_ENV,
  });
  sshd.child = child;
  sshd.log += `--- sshd started in ${namespace}\n`;
  // on a restart, only what this sshd says counts
  let fresh = '';
  const append = (d: Buffer): void => {
    sshd.log = (sshd.log + d.toString()).slice(-LOG_LIMIT);
    if (fresh.length < LOG_LIMIT) fresh += d.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  // a test that forgets stop() must not keep its worker alive: the exit hook cleans up
  child.unref();
  (child.stdout as Socket | null)?.unref();
  (child.stderr as Socket | null)?.unref();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('sshd did not start listening')), timeoutMs);
    const onData = (): void => {
      if (fresh.includes('Server listening on')) done();
    };
    const onExit = (code: number | null): void => done(new Error(`sshd exited (${code})`));
    function done(err?: Error): void {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (!err) return resolve();
      if (sshd.child === child) stopSshd(sshd);
      reject(new Error(`${err.message} in namespace ${namespace}:\n${fresh}`));
    }
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    onData();
  });
}

/** Stops the listening sshd (sessions already open live on, as with a real sshd restart). */
export function stopSshd(sshd: Sshd): void {
  const pid = sshd.child?.pid;
  sshd.child = undefined;
  if (pid) endProcesses([pid]);
}
