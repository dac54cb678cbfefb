/**
 * The network of one test host: a namespace of its own joined to the root namespace by a veth
 * pair, with a private /30 (10.231.N.1 on the root side, 10.231.N.2 inside) and its own loopback.
 *
 * Each /30 is claimed with an `unreachable 10.231.N.0/30` route of the lowest priority, added
 * before anything else: adding it fails when another test process already holds N (so
 * concurrent runs never share an address), and while the veth's own route is gone (a link taken
 * down, a namespace half removed) it keeps packets for those addresses from ever following the
 * default route off the machine.
 */
import { alive, endProcesses, run, tryRun } from './commands.js';

const PREFIX = '10.231';
/** Lower than any route the kernel or an administrator adds for these addresses. */
const GUARD_METRIC = '65535';

export interface HostNet {
  /** `cao-th-<pid>-<k>`: the namespace's name (test hosts use it for their user too). */
  name: string;
  /** The root namespace's end of the veth pair. */
  link: string;
  /** The end inside the namespace. */
  peer: string;
  /** The root namespace's address on the link. */
  rootAddress: string;
  /** The host's address, reachable from the root namespace only. */
  address: string;
  /** What has been made so far, so that removal undoes exactly that (and only once). */
  made: { guard: boolean; namespace: boolean; link: boolean };
  subnet: string;
}

let counter = 0;

/** Names carry the test process id: removal only ever touches what this process made. */
export function hostNames(): { name: string; link: string; peer: string } {
  const k = ++counter;
  // interface names have at most 15 characters: 'cth' + pid (≤ 7 digits) + 'v'/'p' + k
  const link = `cth${process.pid}v${k}`;
  const peer = `cth${process.pid}p${k}`;
  if (link.length > 15) throw new Error(`interface name ${link} is longer than 15 characters`);
  return { name: `cao-th-${process.pid}-${k}`, link, peer };
}

/** The N of every 10.231.N.x address or route this machine already has. */
function subnetsInUse(): Set<number> {
  const text =
    run('ip', ['-4', '-o', 'addr', 'show']) + run('ip', ['-4', 'route', 'show', 'table', 'all']);
  const used = new Set<number>();
  for (const m of text.matchAll(/\b10\.231\.(\d+)\./g)) used.add(Number(m[1]));
  return used;
}

/** Claims a free 10.231.N.0/30 (N from 1 to 254) for `net`, recording it as made. */
function claimSubnet(net: HostNet): void {
  const used = subnetsInUse();
  for (let i = 0; i < 254; i++) {
    const n = ((process.pid + counter * 7 + i) % 254) + 1;
    if (used.has(n)) continue;
    const subnet = `${PREFIX}.${n}.0/30`;
    // fails when another process claimed N since `used` was read
    if (!tryRun('ip', ['route', 'add', 'unreachable', subnet, 'metric', GUARD_METRIC])) continue;
    net.made.guard = true;
    net.subnet = subnet;
    net.rootAddress = `${PREFIX}.${n}.1`;
    net.address = `${PREFIX}.${n}.2`;
    return;
  }
  throw new Error(`no free /30 left in ${PREFIX}.0.0/16 for a test host`);
}

/**
 * Makes a namespace with its veth pair and addresses. `silent`: the host drops every packet
 * (replies to the root namespace go to a blackhole route), so connecting to it times out, as
 * with a machine that is off or behind a firewall that drops.
 *
 * `net` is filled in as things are made: when this throws, `removeHostNet(net)` undoes the part
 * that was made.
 */
export function makeHostNet(net: HostNet, o: { silent?: boolean } = {}): void {
  claimSubnet(net);
  run('ip', ['netns', 'add', net.name]);
  net.made.namespace = true;
  run('ip', ['link', 'add', net.link, 'type', 'veth', 'peer', 'name', net.peer, 'netns', net.name]);
  net.made.link = true;
  run('ip', ['addr', 'add', `${net.rootAddress}/30`, 'dev', net.link]);
  run('ip', ['link', 'set', net.link, 'up']);
  const inside = (args: string[]): string => run('ip', ['-n', net.name, ...args]);
  inside(['addr', 'add', `${net.address}/30`, 'dev', net.peer]);
  inside(['link', 'set', net.peer, 'up']);
  inside(['link', 'set', 'lo', 'up']);
  if (o.silent) inside(['route', 'add', 'blackhole', `${net.rootAddress}/32`]);
}

export const newHostNet = (): HostNet => ({
  ...hostNames(),
  rootAddress: '',
  address: '',
  subnet: '',
  made: { guard: false, namespace: false, link: false },
});

/**
 * Cuts the host off (its end of the link goes down, so packets are lost as on a broken network:
 * open connections stall, new ones fail with "No route to host") or restores it.
 */
export function setLinkUp(net: HostNet, up: boolean): void {
  run('ip', ['-n', net.name, 'link', 'set', net.peer, up ? 'up' : 'down']);
}

/** The processes running inside the host's namespace (its sshd and all it started). */
export function namespacePids(net: HostNet): number[] {
  if (!net.made.namespace) return [];
  try {
    return run('ip', ['netns', 'pids', net.name])
      .split('\n')
      .map(Number)
      .filter((n) => n > 1);
  } catch {
    return [];
  }
}

/**
 * Removes what `makeHostNet` made, in the recipe's order: processes inside, the link, the
 * namespace, then the guard route. Idempotent; returns what could not be removed.
 */
export function removeHostNet(net: HostNet): string[] {
  const failures: string[] = [];
  const pids = namespacePids(net);
  endProcesses(pids, { hangUp: true });
  const left = pids.filter(alive);
  if (left.length > 0) failures.push(`processes ${left.join(', ')} in namespace ${net.name}`);
  if (net.made.link) {
    // a veth pair whose namespace end is gone is gone too
    const exists = tryRun('ip', ['link', 'show', net.link]);
    if (!exists || tryRun('ip', ['link', 'del', net.link])) net.made.link = false;
    else failures.push(`link ${net.link}`);
  }
  if (net.made.namespace) {
    if (tryRun('ip', ['netns', 'del', net.name])) net.made.namespace = false;
    else failures.push(`namespace ${net.name}`);
  }
  if (net.made.guard && !net.made.link) {
    const args = ['route', 'del', 'unreachable', net.subnet, 'metric', GUARD_METRIC];
    if (tryRun('ip', args)) net.made.guard = false;
    else failures.push(`route unreachable ${net.subnet}`);
  }
  return failures;
}
