/**
 * Resuming sessions: when a session ends (shut down, or lost with its tmux server, e.g. after a
 * reboot) cao keeps each terminal's profile, provider, directory and its CLI's own conversation
 * id, and its transcript (scrollback) in CAO_HOME/logs/<session>/<terminal>.log. `resume` starts
 * the same terminals again (the same ids, the conductor first) and each CLI continues its
 * conversation where the CLI offers that (providers' `resumeArgs`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaoError, errorMessage } from '../lib/errors.js';
import { assertTerminalId, normalizeSessionName } from '../lib/names.js';
import { isoNow } from '../lib/time.js';
import { getProvider } from '../providers/index.js';
import type { ResumableTerminal, TerminalRecord } from '../store/store.js';
import type { CoreDeps } from './deps.js';
import type { CreateTerminalOptions } from './launcher.js';
import type { SessionService } from './sessions.js';
import type { TerminalView } from './views.js';

export interface ResumableSessionView {
  session: string;
  ended_at: string;
  /** 'shutdown', or 'lost' (its tmux session was gone when cao-server started). */
  reason: string;
  terminals: {
    terminal_id: string;
    agent_profile: string | null;
    provider: string;
    working_directory: string | null;
    conversation_id: string | null;
    /** Whether its CLI continues the conversation (else it starts a new one). */
    continues: boolean;
  }[];
}

export interface ResumeResult {
  session: string;
  terminals: TerminalView[];
  /** Terminals that could not be started again, with why (they stay resumable). */
  errors: { terminal_id: string; error: string }[];
}

/** Where a terminal's transcript is kept: logs/<session>/<terminal>.log. */
export function transcriptPath(deps: CoreDeps, session: string, terminalId: string): string {
  return join(
    deps.paths.logs,
    normalizeSessionName(session),
    `${assertTerminalId(terminalId)}.log`,
  );
}

/** Keeps the terminal's scrollback (0600); a pane already gone keeps nothing. */
export async function saveTranscript(deps: CoreDeps, t: TerminalRecord): Promise<void> {
  const pane = deps.tracker.paneId(t.id);
  if (!pane) return;
  try {
    const history = await deps.runtime.capture(pane, { history: 'all' });
    const file = transcriptPath(deps, t.session, t.id);
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(file, history, { mode: 0o600 });
  } catch (e) {
    deps.log.warn('could not keep a transcript', { terminalId: t.id, error: errorMessage(e) });
  }
}

/** Remembers the session's terminals so it can be resumed. */
export async function keepResumable(
  deps: CoreDeps,
  terminals: readonly TerminalRecord[],
  sessionEnv: Record<string, string>,
  reason: 'shutdown' | 'lost',
): Promise<void> {
  const endedAt = isoNow();
  await deps.store.saveResumable(
    terminals.map((t) => ({
      terminalId: t.id,
      session: t.session,
      agentProfile: t.agentProfile,
      provider: t.provider,
      workingDirectory: t.workingDirectory,
      model: t.model,
      allowedTools: t.allowedTools,
      callerId: t.callerId,
      host: t.host,
      conversationId: t.conversationId ?? null,
      sessionEnv,
      createdAt: t.createdAt,
      endedAt,
      reason,
    })),
  );
}

export class ResumeService {
  constructor(
    private readonly deps: CoreDeps,
    private readonly sessions: SessionService,
  ) {}

  async list(): Promise<ResumableSessionView[]> {
    const out: ResumableSessionView[] = [];
    for (const r of await this.deps.store.listResumable()) {
      let s = out.at(-1);
      if (s?.session !== r.session) {
        s = { session: r.session, ended_at: r.endedAt, reason: r.reason, terminals: [] };
        out.push(s);
      }
      if (r.endedAt > s.ended_at) s.ended_at = r.endedAt;
      s.terminals.push({
        terminal_id: r.terminalId,
        agent_profile: r.agentProfile,
        provider: r.provider,
        working_directory: r.workingDirectory,
        conversation_id: r.conversationId,
        continues: canContinue(r.provider),
      });
    }
    return out;
  }

  /** Starts every terminal of the ended session again, the conductor first. */
  async resumeSession(name: string): Promise<ResumeResult> {
    const session = normalizeSessionName(name);
    const rows = await this.deps.store.listResumable(session);
    if (rows.length === 0) throw nothingToResume(session);
    if (await this.deps.runtime.hasSession(session)) throw running(session);
    const [first, ...rest] = rows as [ResumableTerminal, ...ResumableTerminal[]];
    const conductor = await this.sessions.create({
      ...this.options(first),
      sessionName: session,
      env: first.sessionEnv,
    });
    await this.deps.store.deleteResumable([first.terminalId]);
    const result: ResumeResult = { session, terminals: [conductor], errors: [] };
    for (const r of rest) {
      try {
        result.terminals.push(await this.sessions.addTerminal(session, this.options(r)));
        await this.deps.store.deleteResumable([r.terminalId]);
      } catch (e) {
        result.errors.push({ terminal_id: r.terminalId, error: errorMessage(e) });
      }
    }
    return result;
  }

  /** Starts one terminal of an ended session again: in its session when that runs, else as
   *  the first terminal of the session started again. */
  async resumeTerminal(terminalId: string): Promise<TerminalView> {
    const id = assertTerminalId(terminalId);
    const r = (await this.deps.store.listResumable()).find((x) => x.terminalId === id);
    if (!r) {
      throw new CaoError(
        'NOT_FOUND',
        `Terminal ${id} is not resumable: cao keeps the terminals of sessions that were shut down or lost (see 'cao session list --resumable'); a running terminal needs no resume.`,
      );
    }
    const view = (await this.deps.runtime.hasSession(r.session))
      ? await this.sessions.addTerminal(r.session, this.options(r))
      : await this.sessions.create({
          ...this.options(r),
          sessionName: r.session,
          env: r.sessionEnv,
        });
    await this.deps.store.deleteResumable([id]);
    return view;
  }

  private options(
    r: ResumableTerminal,
  ): Omit<CreateTerminalOptions, 'session' | 'sessionEnv'> & { profileName: string } {
    if (!r.agentProfile) {
      throw new CaoError(
        'INVALID_INPUT',
        `Terminal ${r.terminalId} ran without a profile; cao cannot start it again. Launch a new session instead.`,
      );
    }
    return {
      profileName: r.agentProfile,
      provider: r.provider,
      workingDirectory: r.workingDirectory ?? this.deps.home,
      model: r.model ?? undefined,
      ...(r.allowedTools === null || r.allowedTools.includes('*')
        ? { yolo: true }
        : { allowedTools: r.allowedTools }),
      callerId: r.callerId ?? undefined,
      host: r.host,
      resume: { terminalId: r.terminalId, conversationId: r.conversationId },
    };
  }
}

function canContinue(provider: string): boolean {
  try {
    return getProvider(provider).resumeArgs !== undefined;
  } catch {
    return false;
  }
}

function nothingToResume(session: string): CaoError {
  return new CaoError(
    'NOT_FOUND',
    `Session '${session}' has nothing to resume: cao keeps the terminals of sessions that were shut down or lost with their tmux server. 'cao session list --resumable' shows the resumable ones.`,
  );
}

function running(session: string): CaoError {
  return new CaoError(
    'CONFLICT',
    `Session '${session}' is running. Resume single terminals into it with 'cao launch --resume TERMINAL_ID', or shut it down first.`,
  );
}
