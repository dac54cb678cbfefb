/**
 * Sessions: a tmux session named `cao-…` whose first terminal is the conductor. Created with
 * its first terminal; workers join later as windows of the same session.
 */
import { CaoError } from '../lib/errors.js';
import { SESSION_PREFIX, newSessionName, normalizeSessionName } from '../lib/names.js';
import { isoNow } from '../lib/time.js';
import type { Status } from '../providers/provider.js';
import type { SessionState } from '../runtime/runtime.js';
import type { SessionRecord } from '../store/store.js';
import type { CoreDeps } from './deps.js';
import {
  prepareTerminal,
  startTerminal,
  type CreateTerminalOptions,
  type StartOptions,
} from './launcher.js';
import { keepResumable, saveTranscript } from './resume.js';
import { sessionUsage, type SessionUsage } from './usage.js';
import type { TerminalService } from './terminals.js';
import { terminalView, type TerminalView } from './views.js';

export interface CreateSessionOptions extends Omit<
  CreateTerminalOptions,
  'session' | 'sessionEnv'
> {
  sessionName?: string | undefined;
  env?: Record<string, string> | undefined;
}

export interface SessionSummary {
  id: string;
  name: string;
  status: 'active' | 'detached';
  working_directory: string | null;
  agent_profile: string | null;
  created_at: string | null;
  terminal_count: number;
  /** The session's first terminal, which the session's work is given to. */
  conductor: {
    id: string;
    agent_profile: string | null;
    provider: string;
    status: Status;
    host: string;
  } | null;
}

/**
 * The terminal server as cao sees it (`GET /health`, and the reason behind a session that
 * is no longer there): `gone` when no tmux server runs although cao knows sessions, so they
 * were lost with it.
 */
export interface RuntimeReport {
  state: 'ok' | 'gone' | 'error';
  /** Which server (`tmux -L name`, …). */
  server: string;
  detail: string;
  /** Sessions cao knows whose tmux session no longer exists. */
  lost: string[];
}

export class SessionService {
  /** Session names being created right now (so two launches cannot take the same name). */
  private readonly creating = new Set<string>();

  constructor(
    private readonly deps: CoreDeps,
    private readonly terminals: TerminalService,
  ) {}

  async create(o: CreateSessionOptions): Promise<TerminalView> {
    if (o.sessionName !== undefined && o.sessionName.trim() === '') {
      throw new CaoError(
        'INVALID_INPUT',
        'The session name is empty. Give a name (--session-name NAME), or leave the option out for a random one.',
      );
    }
    const session = o.sessionName ? normalizeSessionName(o.sessionName) : newSessionName();
    if (this.creating.has(session) || (await this.deps.runtime.hasSession(session))) {
      throw new CaoError(
        'CONFLICT',
        `Session '${session}' already exists. Pick another --session-name, or shut it down first with 'cao shutdown --session ${session}'.`,
      );
    }
    this.creating.add(session);
    try {
      const env = o.env ?? {};
      const prepared = await prepareTerminal(this.deps, { ...o, session, sessionEnv: env });
      await this.deps.store.deleteSession(session); // a stale row from a session that died unseen
      if (!o.resume) {
        // a new session of this name replaces an ended one that could have been resumed
        const ended = await this.deps.store.listResumable(session);
        await this.deps.store.deleteResumable(ended.map((t) => t.terminalId));
      }
      const record = await startTerminal(this.deps, prepared, {
        newSession: true,
        onCreated: async () => {
          await this.deps.store.insertSession({
            name: session,
            workingDirectory: prepared.spec.cwd,
            env,
            createdAt: isoNow(),
          });
          this.deps.bus.publish({ type: 'session.created', session });
        },
      });
      return terminalView(record, this.terminals.detection(record));
    } finally {
      this.creating.delete(session);
    }
  }

  /** Whether the session's tmux session is alive (false for names cao cannot use). */
  async alive(name: string): Promise<boolean> {
    return this.deps.runtime.hasSession(normalizeSessionName(name));
  }

  async record(name: string): Promise<SessionRecord> {
    const session = normalizeSessionName(name);
    const s = await this.deps.store.getSession(session);
    if (!s) throw notFound(session);
    if (!(await this.deps.runtime.hasSession(session))) throw await this.lostError(session);
    return s;
  }

  /** Asks the terminal server, and compares what it has with the sessions cao knows. */
  async runtimeReport(): Promise<RuntimeReport & { live: SessionState[] }> {
    const probe = await this.deps.runtime.probe();
    const live = new Set(probe.sessions.map((s) => s.name));
    const known = await this.deps.store.listSessions();
    // the sessions of remote hosts are in the probe too (their own tmux servers answer for them)
    const lost = known.filter((s) => !live.has(s.name));
    return {
      state:
        probe.state === 'error'
          ? 'error'
          : probe.state === 'down' && lost.length > 0
            ? 'gone'
            : 'ok',
      server: probe.server,
      detail: probe.detail,
      lost: lost.map((s) => s.name),
      live: probe.sessions,
    };
  }

  /** Why a session cao knows is not in tmux any more: the tmux server died, or it alone went. */
  private async lostError(session: string): Promise<CaoError> {
    const r = await this.runtimeReport();
    if (r.state !== 'ok') return runtimeError(r);
    return new CaoError(
      'NOT_FOUND',
      `Session '${session}' is gone: its tmux session ended outside cao (killed, or its last window closed). 'cao shutdown --session ${session}' clears what cao remembers of it.`,
      { details: { lost_sessions: [session] } },
    );
  }

  /**
   * Sessions known to cao whose tmux session is alive, oldest first. UNAVAILABLE, naming the
   * lost sessions, when the tmux server is gone: "no sessions" would be a lie.
   */
  async list(only?: SessionRecord): Promise<SessionSummary[]> {
    const report = await this.runtimeReport();
    if (report.state !== 'ok') throw runtimeError(report);
    const live = new Map(report.live.map((s) => [s.name, s]));
    const out: SessionSummary[] = [];
    for (const s of only ? [only] : await this.deps.store.listSessions()) {
      const tmux = live.get(s.name);
      if (!tmux) continue;
      const terminals = await this.deps.store.listTerminals({ session: s.name });
      const first = terminals[0];
      out.push({
        id: s.name,
        name: s.name,
        status: tmux.attached ? 'active' : 'detached',
        working_directory: s.workingDirectory,
        agent_profile: terminals[0]?.agentProfile ?? null,
        created_at: s.createdAt,
        terminal_count: terminals.length,
        conductor: first
          ? {
              id: first.id,
              agent_profile: first.agentProfile,
              provider: first.provider,
              status: this.terminals.detection(first).status,
              host: first.host,
            }
          : null,
      });
    }
    return out;
  }

  /** Tokens and cost of the session's terminals, from their CLIs' session logs. */
  async usage(name: string, sinceMs?: number): Promise<SessionUsage> {
    const session = normalizeSessionName(name);
    if (!(await this.deps.store.getSession(session))) throw notFound(session);
    const rows = await this.deps.store.listTerminals({ session });
    return sessionUsage(this.terminals.transcripts, session, rows, sinceMs);
  }

  async get(name: string): Promise<{ session: SessionSummary; terminals: TerminalView[] }> {
    const session = normalizeSessionName(name);
    const s = await this.deps.store.getSession(session);
    // one tmux round trip: the session list says whether it is alive and whether attached
    if (!s) throw notFound(session);
    const summary = (await this.list(s))[0];
    if (!summary) throw await this.lostError(session);
    return { session: summary, terminals: await this.terminals.list(s.name) };
  }

  /**
   * The session's terminal `terminalId`, or its conductor (first terminal) when none is given;
   * NOT_FOUND naming the session's terminals otherwise.
   */
  async terminal(name: string, terminalId?: string): Promise<TerminalView> {
    const { session, terminals } = await this.get(name);
    if (terminalId === undefined) {
      const conductor = terminals[0];
      if (!conductor)
        throw new CaoError('NOT_FOUND', `Session '${session.name}' has no terminals.`);
      return conductor;
    }
    const t = terminals.find((x) => x.id === terminalId);
    if (!t) {
      throw new CaoError(
        'NOT_FOUND',
        `Terminal '${terminalId}' is not in session '${session.name}'. Its terminals: ${terminals.map((x) => x.id).join(', ')}.`,
      );
    }
    return t;
  }

  /** Kills the session and everything in it. NOT_FOUND when cao does not know it. */
  async delete(name: string): Promise<{ success: boolean; deleted: string[]; errors: string[] }> {
    const session = normalizeSessionName(name);
    const known = await this.deps.store.getSession(session);
    const alive = await this.deps.runtime.hasSession(session);
    if (!known && !alive) throw new CaoError('NOT_FOUND', `Session '${session}' not found`);
    if (!known && !session.startsWith(SESSION_PREFIX)) {
      throw new CaoError('NOT_FOUND', `Session '${session}' is not a cao session`);
    }
    const terminals = await this.deps.store.listTerminals({ session });
    // each terminal's transcript is kept, and the session can be resumed
    for (const t of terminals) await saveTranscript(this.deps, t);
    if (terminals.length > 0)
      await keepResumable(this.deps, terminals, known?.env ?? {}, 'shutdown');
    for (const t of terminals) this.deps.tracker.untrack(t.id);
    const errors: string[] = [];
    if (alive)
      await this.deps.runtime.killSession(session).catch((e: unknown) => errors.push(String(e)));
    for (const t of terminals) {
      await this.terminals.removeFiles(t);
      this.deps.bus.publish({ type: 'terminal.deleted', terminal_id: t.id, session });
    }
    await this.deps.store.deleteSession(session);
    this.deps.bus.publish({ type: 'session.deleted', session });
    return { success: errors.length === 0, deleted: [session], errors };
  }

  /** Adds a worker terminal to an existing session (handoff/assign, the API). */
  async addTerminal(
    name: string,
    o: Omit<CreateTerminalOptions, 'session' | 'sessionEnv'>,
    start: Pick<StartOptions, 'deferReady' | 'onStartFailed' | 'onCreated'> = {},
  ): Promise<TerminalView> {
    const s = await this.record(name);
    const prepared = await prepareTerminal(this.deps, { ...o, session: s.name, sessionEnv: s.env });
    const record = await startTerminal(this.deps, prepared, { newSession: false, ...start });
    return terminalView(record, this.terminals.detection(record));
  }
}

function notFound(session: string): CaoError {
  return new CaoError(
    'NOT_FOUND',
    `Session '${session}' not found. List sessions with 'cao session list'.`,
  );
}

/** The tmux server is gone (or cannot be asked): say so, and which sessions went with it. */
export function runtimeError(r: RuntimeReport): CaoError {
  const details = { tmux: r.state, tmux_server: r.server, lost_sessions: r.lost };
  if (r.state === 'error') {
    return new CaoError('UNAVAILABLE', `cao cannot ask ${r.server}: ${r.detail}`, { details });
  }
  const lost =
    r.lost.length === 1
      ? `session ${r.lost[0]}`
      : `${r.lost.length} sessions (${r.lost.join(', ')})`;
  return new CaoError(
    'UNAVAILABLE',
    `The tmux server cao uses (${r.server}) is gone: it exited or was killed, and took every agent in it. ` +
      `Lost: ${lost}. Clear them with 'cao shutdown --all', then launch again.`,
    { details },
  );
}
