/**
 * Whether test hosts can be made on this machine, and if not why, for `describe.skipIf` titles
 * (with e2eTitle from ../harness.ts). Making a namespace and a veth pair is tried for real in a
 * probe namespace (a container may have `ip` but not the right to use it); the probe is removed
 * at once.
 */
import { existsSync } from 'node:fs';
import { run, TOOL_ENV, tryRun } from './commands.js';

const TOOLS: Array<[string, string]> = [
  ['/usr/sbin/sshd', 'sshd is not installed (apt-get install openssh-server)'],
  ['ssh', 'ssh is not installed (apt-get install openssh-client)'],
  ['ssh-keygen', 'ssh-keygen is not installed (apt-get install openssh-client)'],
  ['ssh-keyscan', 'ssh-keyscan is not installed (apt-get install openssh-client)'],
  ['ip', 'ip is not installed (apt-get install iproute2)'],
  ['useradd', 'useradd is not installed (apt-get install passwd)'],
  ['usermod', 'usermod is not installed (apt-get install passwd)'],
  ['userdel', 'userdel is not installed (apt-get install passwd)'],
  ['getent', 'getent is not installed (libc-bin)'],
  ['tmux', 'tmux is not installed'],
];

const found = (tool: string): boolean => {
  if (tool.startsWith('/')) return existsSync(tool);
  for (const dir of (TOOL_ENV['PATH'] ?? '').split(':')) {
    if (dir && existsSync(`${dir}/${tool}`)) return true;
  }
  return false;
};

function probeNamespaces(): string {
  const probe = `cao-th-probe-${process.pid}`;
  try {
    run('ip', ['netns', 'add', probe]);
  } catch (err) {
    return `network namespaces cannot be made here (${(err as Error).message})`;
  }
  try {
    run('ip', ['-n', probe, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1']);
    return '';
  } catch (err) {
    return `veth pairs cannot be made here (${(err as Error).message})`;
  } finally {
    // the probe's links live and die with it
    tryRun('ip', ['netns', 'del', probe]);
  }
}

let cached: string | undefined;

/** '' when test hosts can be made here, else the reason. */
export function hostsSkipReason(): string {
  if (cached !== undefined) return cached;
  if (process.platform !== 'linux') return (cached = 'test hosts need Linux network namespaces');
  if (process.getuid?.() !== 0) return (cached = 'test hosts need root (namespaces, users)');
  const missing = TOOLS.find(([tool]) => !found(tool));
  if (missing) return (cached = missing[1]);
  return (cached = probeNamespaces());
}
