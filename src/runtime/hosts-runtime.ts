/**
 * The terminal runtime over every host: this machine's tmux and each remote host's (a tmux
 * runtime over ssh, see ssh/), behind the one TerminalRuntime interface the core uses.
 *
 * - Ids of a remote host's panes and windows carry the host's name (`b1/%3`, `b1/@2`); local
 *   ones are tmux's own, so nothing changes for terminals on this machine.
 * - A cao session may span hosts (a supervisor here, workers there): each host that runs one of
 *   its terminals has a tmux session of that name, made with its first window there; watching a
 *   session watches it on each of those hosts.
 * - A host whose link drops is `down`, not gone: its sessions and panes are kept, listeners
 *   hear `host-down` (reads of its panes fail as unreachable meanwhile), and `host-up` once it
 *   is back and watched again. Sessions shut down while it was down are killed when it returns.
 * - A host that stays unreachable longer than the give-up time (CAO_HOST_GIVE_UP) is gone for
 *   good: listeners of its sessions hear `host-gone` with the reason (the tracker turns its
 *   terminals to `error`), and so does any listener that watches one of them later.
 */
import { CaoError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import {
  hostOfId,
  isHostUnreachable,
  type CaptureOptions,
  type PaneRef,
  type PaneState,
  type PaneViewer,
  type RuntimeEvent,
  type RuntimeListener,
  type RuntimeProbe,
  type SessionState,
  type TerminalRuntime,
  type WindowSpec,
} from './runtime.js';

export const LOCAL = 'local';

/** A host's runtime as this composite needs it: a TerminalRuntime plus its link's state. */
export interface HostLink {
  runtime: TerminalRuntime;
  /** Whether its link is up now (always true for this machine). */
  isUp(): boolean;
  /** Calls back when the link goes down or comes up; returns the unsubscribe. */
  onChange(listener: (up: boolean, reason: string) => void): () => void;
  /** Ends the link (and the runtime's clients). */
  close(): Promise<void>;
}

interface Watch {
  listeners: Set<RuntimeListener>;
  /** Per host: the stop function of that host's watch. */
  stops: Map<string, () => void>;
}

export class HostsRuntime implements TerminalRuntime {
  readonly kind = 'tmux';
  private readonly links = new Map<string, HostLink>();
  private readonly unsubscribes = new Map<string, () => void>();
  /** Which hosts have a tmux session of each cao session (known from creation and listings). */
  private readonly where = new Map<string, Set<string>>();
  private readonly watches = new Map<string, Watch>();
  /** Sessions to kill on a host as soon as it is back. */
  private readonly pendingKills = new Map<string, Set<string>>();
  /** Per host that is down: the give-up timer, when it went down, and why. */
  private readonly downs = new Map<
    string,
    { since: number; reason: string; timer: NodeJS.Timeout | undefined }
  >();
  /** Hosts given up on, with the reason their listeners heard. */
  private readonly gone = new Map<string, string>();

  constructor(
    local: TerminalRuntime,
    private readonly log: Logger,
    /** How long a host may stay unreachable before its agents count as gone (0: forever). */
    private readonly giveUpMs = 0,
  ) {
    this.links.set(LOCAL, {
      runtime: local,
      isUp: () => true,
      onChange: () => () => {},
      close: () => local.close(),
    });
  }

  /** Adds a remote host (its link connected or connecting). */
  addHost(name: string, link: HostLink): void {
    if (this.links.has(name)) throw new CaoError('CONFLICT', `Host '${name}' is already known.`);
    this.links.set(name, link);
    this.unsubscribes.set(
      name,
      link.onChange((up, reason) => (up ? void this.hostUp(name) : this.hostDown(name, reason))),
    );
    // a host not reached yet (e.g. at cao-server's start) counts as down from now
    if (!link.isUp()) this.startGiveUp(name, 'not reached since cao-server started');
  }

  /** Removes a host: its link is closed; its agents are left as they are. */
  async removeHost(name: string): Promise<void> {
    const link = this.links.get(name);
    if (!link || name === LOCAL) return;
    this.unsubscribes.get(name)?.();
    this.unsubscribes.delete(name);
    this.links.delete(name);
    clearTimeout(this.downs.get(name)?.timer);
    this.downs.delete(name);
    this.gone.delete(name);
    for (const w of this.watches.values()) {
      w.stops.get(name)?.();
      w.stops.delete(name);
    }
    for (const hosts of this.where.values()) hosts.delete(name);
    await link.close();
  }

  hostNames(): string[] {
    return [...this.links.keys()];
  }

  isUp(host: string): boolean {
    return this.links.get(host)?.isUp() ?? false;
  }

  /** The hosts whose links are down now. */
  unreachableHosts(): string[] {
    return [...this.links.entries()].filter(([, l]) => !l.isUp()).map(([n]) => n);
  }

  private link(host: string): HostLink {
    const l = this.links.get(host);
    if (!l) {
      throw new CaoError(
        'NOT_FOUND',
        `Host '${host}' is not known to cao. Add it with 'cao host add ${host} DESTINATION'.`,
        {
          details: { host },
        },
      );
    }
    return l;
  }

  /** The runtime of a host whose link is up; UNAVAILABLE (host_down) otherwise. */
  private up(host: string): TerminalRuntime {
    const l = this.link(host);
    if (!l.isUp()) {
      throw new CaoError(
        'UNAVAILABLE',
        `Host ${host} cannot be reached right now; its agents keep running there.`,
        {
          details: { host, host_down: true },
        },
      );
    }
    return l.runtime;
  }

  private local(id: string): { host: string; id: string } {
    const host = hostOfId(id);
    return { host, id: host === LOCAL ? id : id.slice(host.length + 1) };
  }

  private qualify(host: string, id: string): string {
    return host === LOCAL ? id : `${host}/${id}`;
  }

  private ref<T extends PaneRef>(host: string, r: T): T {
    return {
      ...r,
      host,
      paneId: this.qualify(host, r.paneId),
      windowId: this.qualify(host, r.windowId),
    };
  }

  placeSession(session: string, host: string): void {
    if (this.links.has(host)) this.note(session, host);
  }

  private note(session: string, host: string): void {
    let s = this.where.get(session);
    if (!s) this.where.set(session, (s = new Set()));
    s.add(host);
  }

  async createSession(spec: WindowSpec): Promise<PaneRef> {
    const host = spec.host ?? LOCAL;
    const ref = this.ref(host, await this.up(host).createSession(spec));
    this.note(spec.session, host);
    this.attachWatches(spec.session, host);
    return ref;
  }

  /** A window of a session on `spec.host`: the session's first window there makes it there. */
  async createWindow(spec: WindowSpec): Promise<PaneRef> {
    const host = spec.host ?? LOCAL;
    const rt = this.up(host);
    const there = this.where.get(spec.session)?.has(host) || (await rt.hasSession(spec.session));
    const ref = this.ref(host, there ? await rt.createWindow(spec) : await rt.createSession(spec));
    this.note(spec.session, host);
    this.attachWatches(spec.session, host);
    return ref;
  }

  async hasSession(session: string): Promise<boolean> {
    for (const [host, l] of this.links) {
      if (!l.isUp()) {
        // a host that is down keeps the sessions it had
        if (this.where.get(session)?.has(host)) return true;
        continue;
      }
      if (await l.runtime.hasSession(session)) {
        this.note(session, host);
        return true;
      }
    }
    return false;
  }

  async listSessions(): Promise<SessionState[]> {
    const out: SessionState[] = [];
    for (const [host, l] of this.links) {
      if (!l.isUp()) {
        for (const [name, hosts] of this.where) {
          if (hosts.has(host)) out.push({ host, name, attached: false, createdAt: new Date(0) });
        }
        continue;
      }
      for (const s of await l.runtime
        .listSessions()
        .catch((e: unknown) => this.orDown(host, e, []))) {
        this.note(s.name, host);
        out.push({ ...s, host });
      }
    }
    return out;
  }

  async listPanes(session?: string): Promise<PaneState[]> {
    const out: PaneState[] = [];
    for (const [host, l] of this.links) {
      if (!l.isUp()) continue;
      const panes = await l.runtime
        .listPanes(session)
        .catch((e: unknown) => this.orDown(host, e, []));
      for (const p of panes) {
        this.note(p.session, host);
        out.push(this.ref(host, p));
      }
    }
    return out;
  }

  /** This machine's tmux server, asked now; the sessions are every host's (the remote ones
   *  as their tmux servers, or for a host that is down, as last known). */
  async probe(): Promise<RuntimeProbe> {
    const local = await this.link(LOCAL).runtime.probe();
    const sessions: SessionState[] = local.sessions.map((s) => ({ ...s, host: LOCAL }));
    for (const s of await this.listSessions()) if (s.host !== LOCAL) sessions.push(s);
    return { ...local, sessions };
  }

  async paneState(paneId: string): Promise<PaneState | undefined> {
    const { host, id } = this.local(paneId);
    const p = await this.up(host).paneState(id);
    return p ? this.ref(host, p) : undefined;
  }

  async capture(paneId: string, options?: CaptureOptions): Promise<string> {
    const { host, id } = this.local(paneId);
    return this.up(host).capture(id, options);
  }

  async paste(paneId: string, text: string): Promise<void> {
    const { host, id } = this.local(paneId);
    return this.up(host).paste(id, text);
  }

  async sendKeys(paneId: string, keys: readonly string[]): Promise<void> {
    const { host, id } = this.local(paneId);
    return this.up(host).sendKeys(id, keys);
  }

  async cancelMode(paneId: string): Promise<void> {
    const { host, id } = this.local(paneId);
    return this.up(host).cancelMode(id);
  }

  async killWindow(paneId: string): Promise<void> {
    const { host, id } = this.local(paneId);
    return this.up(host).killWindow(id);
  }

  /** Kills the session on every host that has it; a host that is down kills it once back. */
  async killSession(session: string): Promise<void> {
    const hosts = this.where.get(session) ?? new Set([LOCAL]);
    for (const host of [...hosts, LOCAL]) {
      const l = this.links.get(host);
      if (!l) continue;
      if (!l.isUp()) {
        let p = this.pendingKills.get(host);
        if (!p) this.pendingKills.set(host, (p = new Set()));
        p.add(session);
        continue;
      }
      await l.runtime.killSession(session);
    }
    this.where.delete(session);
  }

  watch(session: string, listener: RuntimeListener): () => void {
    let w = this.watches.get(session);
    if (!w) this.watches.set(session, (w = { listeners: new Set(), stops: new Map() }));
    w.listeners.add(listener);
    for (const host of this.where.get(session) ?? [LOCAL]) {
      this.attachWatch(session, host, w);
      const reason = this.gone.get(host);
      if (reason !== undefined) {
        queueMicrotask(() => {
          if (w.listeners.has(listener)) listener({ type: 'host-gone', host, reason });
        });
      }
    }
    const watch = w;
    return () => {
      watch.listeners.delete(listener);
      if (watch.listeners.size > 0) return;
      for (const stop of watch.stops.values()) stop();
      watch.stops.clear();
      if (this.watches.get(session) === watch) this.watches.delete(session);
    };
  }

  private attachWatches(session: string, host: string): void {
    const w = this.watches.get(session);
    if (w && w.listeners.size > 0) this.attachWatch(session, host, w);
  }

  /** Watches `session` on `host` for `w`'s listeners, with the host's ids qualified. */
  private attachWatch(session: string, host: string, w: Watch): void {
    if (w.stops.has(host)) return;
    const l = this.links.get(host);
    if (!l || !l.isUp()) return;
    const emit = (e: RuntimeEvent): void => {
      for (const listener of [...w.listeners]) listener(e);
    };
    const stop = l.runtime.watch(session, (e) => {
      switch (e.type) {
        case 'output':
        case 'pane-dead':
          emit({ ...e, paneId: this.qualify(host, e.paneId) });
          return;
        case 'window-closed':
          emit({ ...e, windowId: this.qualify(host, e.windowId) });
          return;
        case 'session-closed':
          w.stops.delete(host);
          // a dropped link ends its control clients too, often a moment before the link is
          // known to be down: the session ended only when the host itself says so
          void this.sessionOn(host, session).then((state) => {
            // the host answered that it still runs: only the control client ended; watch again
            if (state === 'alive') this.attachWatches(session, host);
            if (state !== 'ended') return;
            this.where.get(session)?.delete(host);
            // the session goes on while another host still has it
            if ((this.where.get(session)?.size ?? 0) > 0) return;
            emit(e);
          });
          return;
        default:
          emit(e);
      }
    });
    w.stops.set(host, stop);
  }

  /** Whether `session` runs on `host`, as the host says; unknown when it cannot be asked (the
   *  link is down: the host keeps its sessions until it is back or given up). */
  private async sessionOn(host: string, session: string): Promise<'alive' | 'ended' | 'unknown'> {
    const l = this.links.get(host);
    if (!l || !l.isUp()) return 'unknown';
    try {
      const alive = await l.runtime.hasSession(session);
      if (!l.isUp()) return 'unknown';
      return alive ? 'alive' : 'ended';
    } catch {
      return 'unknown';
    }
  }

  private hostDown(host: string, reason: string): void {
    this.log.warn('host down', { host, reason });
    this.startGiveUp(host, reason);
    for (const [session, w] of this.watches) {
      if (!this.where.get(session)?.has(host)) continue;
      w.stops.get(host)?.();
      w.stops.delete(host);
      for (const listener of [...w.listeners]) listener({ type: 'host-down', host, reason });
    }
  }

  /** Starts the give-up timer of a host that went down (kept while it stays down). */
  private startGiveUp(host: string, reason: string): void {
    const d = this.downs.get(host);
    if (d) {
      d.reason = reason;
      return;
    }
    const down = { since: Date.now(), reason, timer: undefined as NodeJS.Timeout | undefined };
    this.downs.set(host, down);
    if (this.giveUpMs <= 0) return;
    down.timer = setTimeout(() => this.giveUp(host), this.giveUpMs);
    down.timer.unref?.();
  }

  /** The host stayed down past the give-up time: its sessions' listeners hear `host-gone`. */
  private giveUp(host: string): void {
    const d = this.downs.get(host);
    if (!d || !this.links.has(host) || this.links.get(host)?.isUp()) return;
    const s = Math.round((Date.now() - d.since) / 1000);
    const reason = `host ${host} has been unreachable for ${s} s (give-up time ${Math.round(this.giveUpMs / 1000)} s, CAO_HOST_GIVE_UP): ${d.reason}`;
    this.gone.set(host, reason);
    this.log.error('host given up', { host, reason });
    for (const [session, w] of this.watches) {
      if (!this.where.get(session)?.has(host)) continue;
      for (const listener of [...w.listeners]) listener({ type: 'host-gone', host, reason });
    }
  }

  /** Whether the host was given up on (down past the give-up time), and why. */
  goneReason(host: string): string | undefined {
    return this.gone.get(host);
  }

  private async hostUp(host: string): Promise<void> {
    this.log.info('host up', { host });
    clearTimeout(this.downs.get(host)?.timer);
    this.downs.delete(host);
    this.gone.delete(host);
    const l = this.links.get(host);
    if (!l) return;
    for (const session of this.pendingKills.get(host) ?? []) {
      await l.runtime.killSession(session).catch(() => {});
    }
    this.pendingKills.delete(host);
    // what the host still has (a reboot took its sessions with it)
    const alive = new Set(
      (await l.runtime.listSessions().catch(() => [] as SessionState[])).map((s) => s.name),
    );
    for (const [session, hosts] of this.where) {
      if (hosts.has(host) && !alive.has(session)) hosts.delete(host);
    }
    for (const [session, w] of this.watches) {
      const had = [...w.listeners];
      if (alive.has(session)) {
        this.note(session, host);
        this.attachWatch(session, host, w);
      }
      for (const listener of had) listener({ type: 'host-up', host });
    }
  }

  /** A failure of a host's listing: `fallback` when the host is unreachable, else thrown. */
  private orDown<T>(host: string, e: unknown, fallback: T): T {
    if (isHostUnreachable(e)) {
      this.log.warn('host unreachable while listing', { host });
      return fallback;
    }
    throw e;
  }

  async streamPane(paneId: string, viewer: PaneViewer): Promise<() => void> {
    const { host, id } = this.local(paneId);
    return this.up(host).streamPane(id, viewer);
  }

  async writePane(paneId: string, data: Uint8Array): Promise<void> {
    const { host, id } = this.local(paneId);
    return this.up(host).writePane(id, data);
  }

  async resizePane(paneId: string, cols: number, rows: number): Promise<void> {
    const { host, id } = this.local(paneId);
    return this.up(host).resizePane(id, cols, rows);
  }

  async close(): Promise<void> {
    for (const d of this.downs.values()) clearTimeout(d.timer);
    for (const u of this.unsubscribes.values()) u();
    await Promise.all([...this.links.values()].map((l) => l.close().catch(() => {})));
  }
}
