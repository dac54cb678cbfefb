/**
 * Test hosts for cao's SSH runtime: real OpenSSH servers on one machine, each in a network
 * namespace the tests make (netns.ts), with a Unix user, HOME and tmux of its own
 * (host-user.ts) and sshd on the namespace's private address (sshd.ts). The client side is one
 * private folder with a key, known_hosts files and an ssh config, used as `ssh -F <configPath>
 * <alias> …` (ssh-client.ts); nothing reads or writes the real `~/.ssh`.
 *
 * Reaching the fake model from a host: the model listens on 127.0.0.1 in the root namespace,
 * which a host cannot see (its loopback is its own). Give `remoteForwards: [{ remotePort: P,
 * localPort: model.port }]` and every ssh connection to the alias (cao's ControlMaster
 * connection among them) asks the host's sshd to listen on the host's 127.0.0.1:P and carry
 * those connections back to the model: agents there use `http://127.0.0.1:P` (see
 * remote-home.ts). A second connection asking for the same port gets a warning only; through
 * a master connection, the same forward is shared.
 *
 * Everything made is named `cao-th-<pid>-<k>` (links `cth<pid>v<k>`/`cth<pid>p<k>`) and removed
 * by `stop()`, in the recipe's order (sshd and every process in the namespace, the link, the
 * namespace, the user), also when set-up fails half-way and on process exit.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeHostUser, removeHostUser, type HostUser } from './host-user.js';
import { endProcesses } from './commands.js';
import {
  makeHostNet,
  namespacePids,
  newHostNet,
  removeHostNet,
  setLinkUp,
  type HostNet,
} from './netns.js';
import {
  baseOptions,
  keyscan,
  makeClientKey,
  renderSshConfig,
  runSsh,
  sshArgv,
  writePrivate,
  type HostEntry,
  type SshOptions,
  type SshResult,
} from './ssh-client.js';
import { startSshd, stopSshd, writeSshdFiles, type Sshd } from './sshd.js';

export { hostsSkipReason } from './skip-reason.js';
export type { SshOptions, SshResult } from './ssh-client.js';

/** `RemoteForward 127.0.0.1:<remotePort> 127.0.0.1:<localPort>` in a host's alias. */
export interface RemoteForward {
  remotePort: number;
  localPort: number;
}

/** More `Host` entries for error tests; `options` come first, so they win over the defaults. */
export type ExtraHost =
  /** Test host number `of`, with an empty known_hosts file. */
  | { alias: string; kind: 'unknown-host-key'; of: number; options?: SshOptions }
  /** Test host number `of`, with another ed25519 key for its address in known_hosts. */
  | { alias: string; kind: 'wrong-host-key'; of: number; options?: SshOptions }
  /** An address of a namespace that drops every packet: connecting times out. */
  | { alias: string; kind: 'no-answer'; options?: SshOptions }
  /** Any entry (HostName and all). */
  | { alias: string; kind: 'options'; options: SshOptions };

export interface TestHostsOptions {
  /** How many hosts with a user and sshd (default 2). Aliases: host1, host2, … */
  count?: number;
  /** Reverse forwards of every host, or of host `index` (0-based). */
  remoteForwards?: RemoteForward[] | ((index: number) => RemoteForward[]);
  /** Options for every host alias, before the defaults (so they override them). */
  sshOptions?: SshOptions;
  extraHosts?: ExtraHost[];
  /** More sshd_config lines for every host. */
  sshdConfig?: string[];
}

export interface TestHost {
  index: number;
  alias: string;
  /** Reachable from the root namespace only. */
  address: string;
  user: string;
  uid: number;
  gid: number;
  home: string;
  namespace: string;
  /** The root namespace's end of the host's veth pair. */
  link: string;
}

export interface TestHosts {
  hosts: TestHost[];
  /** The extra entries, with the address they point at ('' for `options` entries). */
  extraHosts: Array<{ alias: string; address: string }>;
  /** The client's private folder (0700): key, known_hosts, config, sshd files. */
  dir: string;
  /** For `ssh -F` (and cao's CAO_SSH_CONFIG). */
  configPath: string;
  identityFile: string;
  knownHostsPath: string;
  /** `ssh` arguments that run `argv` on a host (for spawn); `sshArgs` go before the alias. */
  sshArgv(target: TestHost | string, argv: string[], sshArgs?: string[]): string[];
  /** Runs `argv` on a host through ssh; `input` is its stdin. */
  ssh(
    target: TestHost | string,
    argv: string[],
    o?: { input?: string; timeoutMs?: number; sshArgs?: string[] },
  ): Promise<SshResult>;
  /** The host's end of its link down: packets lost both ways until `restoreLink`. */
  cutLink(host: TestHost): void;
  restoreLink(host: TestHost): void;
  /** Stops the listening sshd (open sessions live on); `startSshd` starts it again. */
  stopSshd(host: TestHost): void;
  startSshd(host: TestHost): Promise<void>;
  sshdLog(host: TestHost): string;
  /** Removes everything made; idempotent; throws listing what could not be removed. */
  stop(): void;
}

interface Made {
  net: HostNet;
  user?: HostUser;
  sshd?: Sshd;
}

const running = new Set<() => void>();
let exitHookInstalled = false;

/** Clean-up when a test process ends without calling stop() (a failed hook, Ctrl-C). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const stopAll = (): void => {
    for (const stop of [...running]) {
      try {
        stop();
      } catch (err) {
        process.stderr.write(`test hosts: ${(err as Error).message}\n`);
      }
    }
  };
  process.on('exit', stopAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      stopAll();
      // keep the signal's usual effect unless someone else handles it
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

export async function startTestHosts(o: TestHostsOptions = {}): Promise<TestHosts> {
  const count = o.count ?? 2;
  const dir = mkdtempSync(join(tmpdir(), 'cao-th-'));
  chmodSync(dir, 0o700);
  const made: Made[] = [];
  const extras: Made[] = [];

  const stop = (): void => {
    const failures: string[] = [];
    for (const m of [...made, ...extras]) if (m.sshd) stopSshd(m.sshd);
    // all hosts' processes at once: one grace period, not one per host
    endProcesses(
      [...made, ...extras].flatMap((m) => namespacePids(m.net)),
      { hangUp: true },
    );
    for (const m of [...made, ...extras]) failures.push(...removeHostNet(m.net));
    for (const m of made) if (m.user) failures.push(...removeHostUser(m.user));
    rmSync(dir, { recursive: true, force: true });
    if (failures.length > 0) throw new Error(`test hosts: could not remove ${failures.join('; ')}`);
    running.delete(stop);
  };
  installExitHook();
  running.add(stop);

  try {
    const client = makeClientKey(dir);
    const knownHostsPath = join(dir, 'known_hosts');
    for (let i = 0; i < count; i++) {
      const m: Made = { net: newHostNet() };
      made.push(m);
      makeHostNet(m.net);
      m.user = { name: m.net.name, uid: -1, gid: -1, home: '', made: false };
      makeHostUser(m.user, client.publicKey);
      m.sshd = writeSshdFiles(join(dir, m.net.name), {
        address: m.net.address,
        user: m.user.name,
        ...(o.sshdConfig ? { extraConfig: o.sshdConfig } : {}),
      });
    }
    await Promise.all(made.map((m) => startSshd(m.sshd!, m.net.name)));
    const known = made.map((m) => {
      const line = keyscan(m.net.address);
      if (!m.sshd!.publicKey.startsWith(line.slice(line.indexOf(' ') + 1))) {
        throw new Error(`ssh-keyscan of ${m.net.address} did not return its host key`);
      }
      return line;
    });
    writePrivate(knownHostsPath, `${known.join('\n')}\n`);

    const hosts: TestHost[] = made.map((m, index) => ({
      index,
      alias: `host${index + 1}`,
      address: m.net.address,
      user: m.user!.name,
      uid: m.user!.uid,
      gid: m.user!.gid,
      home: m.user!.home,
      namespace: m.net.name,
      link: m.net.link,
    }));
    const forwardsOf = (i: number): RemoteForward[] =>
      typeof o.remoteForwards === 'function' ? o.remoteForwards(i) : (o.remoteForwards ?? []);
    const hostOptions = (h: TestHost, knownHosts = knownHostsPath): SshOptions =>
      baseOptions({
        address: h.address,
        user: h.user,
        identityFile: client.identityFile,
        knownHosts,
      });
    const entries: HostEntry[] = hosts.map((h) => ({
      alias: h.alias,
      options: [
        ...(o.sshOptions ?? []),
        ...forwardsOf(h.index).map((f): [string, ...string[]] => [
          'RemoteForward',
          `127.0.0.1:${f.remotePort}`,
          `127.0.0.1:${f.localPort}`,
        ]),
        ...hostOptions(h),
      ],
    }));

    const extraHosts: TestHosts['extraHosts'] = [];
    for (const e of o.extraHosts ?? []) {
      const target = 'of' in e ? hosts[e.of] : undefined;
      if ('of' in e && !target) throw new Error(`extra host ${e.alias}: no test host ${e.of}`);
      let options: SshOptions;
      let address = target?.address ?? '';
      if (e.kind === 'unknown-host-key') {
        const file = join(dir, `known_hosts.${e.alias}`);
        writePrivate(file, '');
        options = hostOptions(target!, file);
      } else if (e.kind === 'wrong-host-key') {
        const file = join(dir, `known_hosts.${e.alias}`);
        const other = writeSshdFiles(join(dir, `wrong-key.${e.alias}`), {
          address: target!.address,
          user: target!.user,
        }).publicKey;
        writePrivate(file, `${target!.address} ${other}\n`);
        options = hostOptions(target!, file);
      } else if (e.kind === 'no-answer') {
        const m: Made = { net: newHostNet() };
        extras.push(m);
        makeHostNet(m.net, { silent: true });
        address = m.net.address;
        options = baseOptions({
          address,
          user: 'nobody',
          identityFile: client.identityFile,
          knownHosts: knownHostsPath,
        });
      } else {
        options = [];
      }
      entries.push({ alias: e.alias, options: [...(e.options ?? []), ...options] });
      extraHosts.push({ alias: e.alias, address });
    }
    const configPath = join(dir, 'ssh_config');
    writePrivate(configPath, renderSshConfig(entries));

    const madeOf = (h: TestHost): Made => made[h.index]!;
    const argvFor: TestHosts['sshArgv'] = (target, argv, sshArgs) =>
      sshArgv(configPath, typeof target === 'string' ? target : target.alias, argv, sshArgs);
    return {
      hosts,
      extraHosts,
      dir,
      configPath,
      identityFile: client.identityFile,
      knownHostsPath,
      sshArgv: argvFor,
      ssh: (target, argv, so = {}) => runSsh(argvFor(target, argv, so.sshArgs), so),
      cutLink: (h) => setLinkUp(madeOf(h).net, false),
      restoreLink: (h) => setLinkUp(madeOf(h).net, true),
      stopSshd: (h) => stopSshd(madeOf(h).sshd!),
      startSshd: (h) => startSshd(madeOf(h).sshd!, madeOf(h).net.name),
      sshdLog: (h) => madeOf(h).sshd!.log,
      stop,
    };
  } catch (err) {
    try {
      stop();
    } catch (cleanupErr) {
      throw new AggregateError([err, cleanupErr], (err as Error).message);
    }
    throw err;
  }
}
