/**
 * Hosts: the machines agents run on. `local` is the machine cao-server runs on; the others are
 * reached with the user's own OpenSSH (keys, agent, known_hosts, ~/.ssh/config, or the
 * configuration CAO_SSH_CONFIG names), one multiplexed connection each, and need only tmux and
 * the agent CLIs: nothing of cao's. Their agents reach cao's API and MCP tools through a reverse
 * forward on the host's loopback, with their own terminal tokens.
 *
 * A host is checked when it is added (reachable, host key known, tmux there), kept in the store,
 * connected again when cao-server starts, and reconnected with backoff whenever its link drops;
 * its agents keep running in its tmux meanwhile.
 */
import { freemem } from 'node:os';
import { join } from 'node:path';
import { CaoError, errorMessage } from '../lib/errors.js';
import { assertHostName } from '../lib/names.js';
import { isoNow } from '../lib/time.js';
import { providers } from '../providers/index.js';
import { LOCAL, type HostsRuntime } from '../runtime/hosts-runtime.js';
import { RemoteHost, type HostProbe } from '../runtime/ssh/remote-host.js';
import type { HostRecord } from '../store/store.js';
import type { CoreDeps } from './deps.js';
import { localPlacement, type Placement } from './placement.js';

export interface HostOptions {
  /** The composite runtime remote hosts join (absent: only this machine, e.g. in tests). */
  runtime?: HostsRuntime | undefined;
  /** CAO_SSH_CONFIG: ssh's -F, else the user's own ~/.ssh/config. */
  sshConfig?: string | undefined;
  /** A private folder (0700) for the ssh connections' control sockets. */
  controlDir: string;
  /** cao-server's address, which each host's loopback forwards to (known once it listens). */
  api: () => { host: string; port: number };
}

export interface HostView {
  name: string;
  /** What ssh connects to ('' for local). */
  destination: string;
  state: 'up' | 'down' | 'connecting';
  reachable: boolean;
  /** Why it is not reachable, and what to do. */
  problem: string | null;
  /** `tmux 3.3a`, or null when unknown or missing. */
  tmux: string | null;
  clis: { provider: string; binary: string; path: string; version: string }[];
  /** Free memory (MemAvailable), bytes. */
  mem_available: number | null;
  agents: number;
  max_agents: number | null;
  labels: Record<string, string>;
  /** The port on the host's loopback that reaches cao-server (remote hosts). */
  api_port: number | null;
  /** What works less well there, and what to do about it. */
  notes: string[];
}

export interface AddHostOptions {
  name: string;
  destination: string;
  maxAgents?: number | undefined;
  labels?: Record<string, string> | undefined;
}

/** How long `cao host list` trusts what a host said about its CLIs and memory. */
const PROBE_TTL_MS = 30_000;

/** The binaries of every provider, asked of each host. */
/** The agent CLIs, and the sqlite3 that reads OpenCode's sessions there. */
const BINARIES = [...new Set(Object.values(providers).map((p) => p.binary)), 'sqlite3'];

/** What a host's probe says works less well there, and what to do. Pure. */
export function hostNotes(p: Pick<HostProbe, 'clis'> | undefined): string[] {
  const has = (binary: string): boolean => (p?.clis ?? []).some((c) => c.binary === binary);
  return has('opencode') && !has('sqlite3')
    ? [
        "OpenCode is installed but sqlite3 is not: OpenCode's answers and usage there are read from the screen. Install sqlite3 (3.33 or later) there, e.g. apt-get install sqlite3.",
      ]
    : [];
}

export class HostService {
  private readonly remotes = new Map<string, RemoteHost>();
  private readonly probes = new Map<string, { at: number; probe: HostProbe }>();

  constructor(
    private readonly deps: CoreDeps,
    private readonly o: HostOptions,
  ) {}

  /** Connects the hosts the store knows (in the background: a host that is down must not hold
   *  up cao-server's start). */
  async start(): Promise<void> {
    if (!this.o.runtime) return;
    for (const h of await this.deps.store.listHosts()) {
      const remote = this.remote(h);
      this.o.runtime.addHost(h.name, remote);
      void remote
        .connect()
        .then(() => this.remember(h.name, remote))
        .catch((e: unknown) =>
          this.deps.log.warn('host not reachable at start-up; cao keeps trying', {
            host: h.name,
            error: errorMessage(e),
          }),
        );
    }
  }

  private remote(h: Pick<HostRecord, 'name' | 'destination' | 'home' | 'remotePort'>): RemoteHost {
    const r = new RemoteHost({
      name: h.name,
      destination: h.destination,
      configFile: this.o.sshConfig,
      controlPath: join(this.o.controlDir, `${h.name}.sock`),
      api: this.o.api(),
      remotePort: h.remotePort ?? undefined,
      home: h.home ?? undefined,
      log: this.deps.log,
    });
    this.remotes.set(h.name, r);
    // keep the forwarded port: the agents there were given it
    r.ssh.onChange(() => void this.remember(h.name, r));
    r.onChange((up, reason) =>
      this.deps.bus.publish({
        type: 'host.state',
        host: h.name,
        state: up ? 'up' : 'down',
        reason,
      }),
    );
    return r;
  }

  /** Stores what the connection learned (the host's home, the forwarded port). */
  private async remember(name: string, r: RemoteHost): Promise<void> {
    const h = await this.deps.store.getHost(name);
    if (!h) return;
    const home = r.home ?? h.home;
    const port = r.remotePort ?? h.remotePort;
    if (home !== h.home || port !== h.remotePort)
      await this.deps.store.upsertHost({ ...h, home, remotePort: port });
  }

  /**
   * Adds a host: connects (batch mode: an unknown host key or a missing key is an error that
   * says what to do, and nothing is kept), checks tmux there, and keeps it.
   */
  async add(o: AddHostOptions): Promise<HostView> {
    const runtime = this.requireRuntime();
    const name = assertHostName(o.name);
    if (name === LOCAL || (await this.deps.store.getHost(name))) {
      throw new CaoError(
        'CONFLICT',
        `Host '${name}' already exists. Remove it first with 'cao host remove ${name}', or pick another name.`,
      );
    }
    if (
      o.destination.trim() === '' ||
      /[\0\n\r\s]/.test(o.destination) ||
      o.destination.startsWith('-')
    ) {
      throw new CaoError(
        'INVALID_INPUT',
        `'${o.destination}' is not an ssh destination: give what 'ssh' accepts, e.g. user@host, an alias from your ssh configuration, or ssh://user@host:port.`,
      );
    }
    const remote = this.remote({ name, destination: o.destination, home: null, remotePort: null });
    try {
      await remote.connect();
      const probe = await remote.probe(BINARIES);
      if (!probe.tmux) {
        throw new CaoError(
          'INVALID_INPUT',
          `tmux is not installed on host ${name} ('${o.destination}'): install it there (e.g. apt-get install tmux); it is all cao needs on a host besides the agent CLIs.`,
        );
      }
      this.probes.set(name, { at: Date.now(), probe });
    } catch (e) {
      this.remotes.delete(name);
      await remote.close();
      throw e;
    }
    await this.deps.store.upsertHost({
      name,
      destination: o.destination,
      maxAgents: o.maxAgents ?? null,
      labels: o.labels ?? {},
      home: remote.home ?? null,
      remotePort: remote.remotePort ?? null,
      createdAt: isoNow(),
    });
    runtime.addHost(name, remote);
    return this.view(name);
  }

  /** Every host, `local` first; what each has is asked again when older than PROBE_TTL_MS. */
  async list(): Promise<HostView[]> {
    const names = [LOCAL, ...(await this.deps.store.listHosts()).map((h) => h.name)];
    return Promise.all(names.map((n) => this.check(n, PROBE_TTL_MS)));
  }

  /** One host: reachable, tmux, CLIs, memory, agents, asked now (or within `maxAgeMs`). */
  async check(name: string, maxAgeMs = 0): Promise<HostView> {
    if (name !== LOCAL) {
      const r = this.remotes.get(name);
      if (!r) throw this.unknown(name);
      const known = this.probes.get(name);
      if (r.isUp() && (!known || Date.now() - known.at > maxAgeMs)) {
        try {
          this.probes.set(name, { at: Date.now(), probe: await r.probe(BINARIES) });
        } catch (e) {
          this.deps.log.warn('host check failed', { host: name, error: errorMessage(e) });
        }
      }
    }
    return this.view(name);
  }

  private async view(name: string): Promise<HostView> {
    const agents = (await this.deps.store.listTerminals()).filter((t) => t.host === name).length;
    if (name === LOCAL) {
      const probe = await this.deps.runtime.probe().catch(() => undefined);
      return {
        name: LOCAL,
        destination: '',
        state: 'up',
        reachable: true,
        problem: probe && probe.state !== 'up' ? `tmux: ${probe.detail || probe.state}` : null,
        tmux: null,
        clis: [],
        mem_available: freemem(),
        agents,
        max_agents: null,
        labels: {},
        api_port: null,
        notes: [],
      };
    }
    const h = await this.deps.store.getHost(name);
    const r = this.remotes.get(name);
    if (!h || !r) throw this.unknown(name);
    const p = this.probes.get(name)?.probe;
    const state = r.ssh.state === 'closed' ? 'down' : r.ssh.state;
    return {
      name,
      destination: h.destination,
      state,
      reachable: state === 'up',
      problem: state === 'up' ? null : (r.ssh.problem?.message ?? 'connecting'),
      tmux: p?.tmux || null,
      clis: (p?.clis ?? []).flatMap((c) =>
        Object.values(providers)
          .filter((x) => x.binary === c.binary)
          .map((x) => ({ provider: x.id, binary: c.binary, path: c.path, version: c.version })),
      ),
      mem_available: p?.memAvailable ?? null,
      agents,
      max_agents: h.maxAgents,
      labels: h.labels,
      api_port: r.remotePort ?? h.remotePort,
      notes: hostNotes(p),
    };
  }

  /**
   * Removes a host. Refused while agents run there, unless `force`: then its terminals are
   * removed from cao (killed there if it can be reached) first.
   */
  async remove(
    name: string,
    force: boolean,
    deleteTerminal: (id: string) => Promise<void>,
  ): Promise<void> {
    if (name === LOCAL)
      throw new CaoError('INVALID_INPUT', "The host 'local' (this machine) cannot be removed.");
    const h = await this.deps.store.getHost(name);
    if (!h) throw this.unknown(name);
    const there = (await this.deps.store.listTerminals()).filter((t) => t.host === name);
    if (there.length > 0 && !force) {
      throw new CaoError(
        'CONFLICT',
        `Host ${name} runs ${there.length} agent(s) (${there.map((t) => t.id).join(', ')}). Shut them down first, or remove the host anyway with --force (its agents are ended).`,
      );
    }
    for (const t of there) await deleteTerminal(t.id).catch(() => {});
    await this.o.runtime?.removeHost(name);
    this.remotes.delete(name);
    this.probes.delete(name);
    await this.deps.store.deleteHost(name);
  }

  /**
   * Where a new terminal runs: this machine (undefined or 'local'), a named host, or `auto`:
   * the reachable host with the most free memory among those under their `max_agents`.
   */
  async placement(host: string | undefined): Promise<Placement> {
    const name = host === 'auto' ? await this.pickAuto() : (host ?? LOCAL);
    if (name === LOCAL) return localPlacement(this.deps);
    const r = this.remotes.get(name);
    if (!r) throw this.unknown(name);
    if (!r.isUp()) {
      throw new CaoError(
        'UNAVAILABLE',
        `Host ${name} cannot be reached right now: ${r.ssh.problem?.message ?? 'connecting'}`,
        { details: { host: name, host_down: true } },
      );
    }
    const apiUrl = r.apiUrl;
    if (!apiUrl) {
      throw new CaoError(
        'UNAVAILABLE',
        `Host ${name} is reached, but its way back to cao-server (the reverse forward) is not up yet; try again in a moment.`,
        {
          details: { host: name },
        },
      );
    }
    const home = r.home ?? '';
    return {
      host: name,
      tmpDir: r.tmpDir,
      apiUrl,
      // the host's own environment (its tmux server's); cao adds the session's and its own
      baseEnv: {},
      home,
      isRoot: false,
      rootOnlyDir: undefined,
      findBinary: (binary) => r.which(binary),
      realDirectory: (dir) => r.realDirectory(dir),
      writeFile: async (f) => {
        await r.runtime.writeFile(f);
      },
      removeTerminalFiles: (id) => r.runtime.removeTerminalFiles(id),
      syncHome: (o) => r.syncHomeOverlay(o),
      readFile: (path, maxBytes) => r.runtime.readFile(path, maxBytes),
      listDir: (path) => r.runtime.listDir(path),
      queryDb: (path, sql, params) => r.queryDb(path, sql, params),
    };
  }

  /** The host's placement for removing files, without connecting anew (best effort). */
  async removeTerminalFiles(host: string, terminalId: string): Promise<void> {
    if (host === LOCAL) return localPlacement(this.deps).removeTerminalFiles(terminalId);
    const r = this.remotes.get(host);
    if (r?.isUp()) await r.runtime.removeTerminalFiles(terminalId).catch(() => {});
  }

  private async pickAuto(): Promise<string> {
    const terminals = await this.deps.store.listTerminals();
    const count = (h: string): number => terminals.filter((t) => t.host === h).length;
    const candidates: { name: string; free: number }[] = [{ name: LOCAL, free: freemem() }];
    for (const h of await this.deps.store.listHosts()) {
      const r = this.remotes.get(h.name);
      if (!r?.isUp() || (h.maxAgents !== null && count(h.name) >= h.maxAgents)) continue;
      const p = await r.probe([]).catch(() => undefined);
      if (p?.memAvailable !== undefined) candidates.push({ name: h.name, free: p.memAvailable });
    }
    return pickMostFree(candidates);
  }

  private requireRuntime(): HostsRuntime {
    if (!this.o.runtime) {
      throw new CaoError(
        'UNAVAILABLE',
        'Remote hosts need the tmux runtime; this cao-server runs without it.',
      );
    }
    return this.o.runtime;
  }

  private unknown(name: string): CaoError {
    return new CaoError(
      'NOT_FOUND',
      `Host '${name}' is not known. List hosts with 'cao host list'; add one with 'cao host add ${name} DESTINATION'.`,
      {
        details: { host: name },
      },
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.remotes.values()].map((r) => r.close().catch(() => {})));
  }
}

/** The candidate with the most free memory (ties: the first). Pure. */
export function pickMostFree(candidates: readonly { name: string; free: number }[]): string {
  let best = candidates[0];
  for (const c of candidates) if (best === undefined || c.free > best.free) best = c;
  if (!best)
    throw new CaoError(
      'UNAVAILABLE',
      'No host can take another agent (each is down or at its max_agents).',
    );
  return best.name;
}
