/**
 * The client side of the test hosts: a private folder with a client key, known_hosts files and
 * an ssh config for `ssh -F`, so that nothing reads the real `~/.ssh` (ssh finds that folder
 * through the passwd entry, not $HOME, so only `-F` and explicit file options keep it away).
 * And running a command on a host: argv quoted for the remote shell, data on stdin.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, shellQuote } from './commands.js';

/** ssh_config options in order, each a keyword and its arguments (ssh keeps the first value
 *  it reads for most options; forwards and identity files add up). */
export type SshOptions = Array<[string, ...string[]]>;

export interface HostEntry {
  alias: string;
  options: SshOptions;
}

/** A config value: double-quoted when it has blanks (ssh_config's own quoting). */
const configValue = (v: string): string => {
  if (/["\n]/.test(v)) throw new Error(`ssh_config value ${JSON.stringify(v)} cannot be written`);
  return /\s/.test(v) ? `"${v}"` : v;
};

/** The text of an ssh config file with one `Host` block per entry. */
export function renderSshConfig(entries: HostEntry[]): string {
  return entries
    .map((e) => {
      if (!/^[A-Za-z0-9._-]+$/.test(e.alias)) throw new Error(`bad host alias ${e.alias}`);
      const body = e.options.map(([k, ...args]) => `  ${k} ${args.map(configValue).join(' ')}`);
      return `Host ${e.alias}\n${body.join('\n')}\n`;
    })
    .join('\n');
}

/** The options every test host alias starts with: this folder's key and known_hosts only,
 *  no agent, no prompt. */
export function baseOptions(o: {
  address: string;
  user: string;
  identityFile: string;
  knownHosts: string;
}): SshOptions {
  return [
    ['HostName', o.address],
    ['Port', '22'],
    ['User', o.user],
    ['IdentityFile', o.identityFile],
    ['IdentitiesOnly', 'yes'],
    ['IdentityAgent', 'none'],
    ['UserKnownHostsFile', o.knownHosts],
    ['GlobalKnownHostsFile', '/dev/null'],
    ['StrictHostKeyChecking', 'yes'],
    ['UpdateHostKeys', 'no'],
    ['BatchMode', 'yes'],
    ['ConnectTimeout', '5'],
  ];
}

/** Makes the client key (0600) in `dir`; returns its path and public key line. */
export function makeClientKey(dir: string): { identityFile: string; publicKey: string } {
  const identityFile = join(dir, 'id_ed25519');
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'cao-test-client', '-f', identityFile]);
  return { identityFile, publicKey: readFileSync(`${identityFile}.pub`, 'utf8') };
}

/** The host's ed25519 key as ssh-keyscan reads it from the running sshd. */
export function keyscan(address: string): string {
  const out = run('ssh-keyscan', ['-T', '5', '-t', 'ed25519', address]);
  const line = out.split('\n').find((l) => l.startsWith(`${address} ssh-ed25519 `));
  if (!line) throw new Error(`ssh-keyscan found no ed25519 key at ${address}:\n${out}`);
  return line;
}

export function writePrivate(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
}

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The argv of `ssh` running `argv` on `alias`: each word single-quoted for the remote shell
 * (ssh joins its command words with blanks and hands the line to the user's shell).
 */
export const sshArgv = (
  configPath: string,
  alias: string,
  argv: string[],
  extra: string[] = [],
): string[] => [
  '-F',
  configPath,
  ...extra,
  '--',
  alias,
  ...(argv.length > 0 ? [argv.map(shellQuote).join(' ')] : []),
];

/** Runs `ssh` with these arguments; resolves with its exit code and output (never rejects on a
 *  failed command; rejects only when ssh cannot be started). */
export function runSsh(args: string[], o: { input?: string; timeoutMs?: number } = {}) {
  return new Promise<SshResult>((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    // ssh may exit (a refused connection) before it reads its stdin
    child.stdin.on('error', () => {});
    child.stdin.end(o.input ?? '');
  });
}
