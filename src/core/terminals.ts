/**
 * Operations on existing terminals: read, type into, press keys, read output, exit, delete.
 * One send at a time per terminal (a second waits for the first to be confirmed).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaoError } from '../lib/errors.js';
import { assertTerminalId, isTerminalId } from '../lib/names.js';
import { isoNow, sleep } from '../lib/time.js';
import { getProvider } from '../providers/index.js';
import { isReadyStatus, type Detection, type Provider } from '../providers/provider.js';
import { stripAnsi } from '../providers/screen.js';
import { KEY_RE, type PaneViewer } from '../runtime/runtime.js';
import type { MessageRecord, TerminalRecord } from '../store/store.js';
import type { CoreDeps } from './deps.js';
import {
  acceptMessage,
  ENVELOPE_BYTES,
  MAX_MESSAGE_BYTES,
  submitInput,
  type SubmitResult,
} from './input.js';
import { showsMessage } from './message-text.js';
import { isGone } from './tracker.js';
import { TranscriptService } from './transcripts.js';
import { terminalUsage, turnUsageView, type TerminalUsage, type TurnUsage } from './usage.js';
import { terminalView, type TerminalView } from './views.js';

export type OutputMode = 'full' | 'last';

/** Where an answer was read: the CLI's own session log, or the rendered screen. */
export type AnswerSource = 'transcript' | 'screen';

/** The screen may show a turn's end a moment before the CLI writes it to its log. */
const LOG_LAG_TRIES = 8;
const LOG_LAG_MS = 250;

/** The message a turn answers, as the ledger knows it. */
type TurnMessage = Pick<MessageRecord, 'id' | 'message' | 'orchestrationType'>;

/** Pause between the keys of a provider's exit sequence. */
const EXIT_KEY_GAP_MS = 300;

export class TerminalService {
  private readonly sendQueues = new Map<string, Promise<unknown>>();
  /** Each terminal's own session log (exact answers, usage). */
  readonly transcripts: TranscriptService;

  constructor(private readonly deps: CoreDeps) {
    this.transcripts = new TranscriptService(deps);
  }

  /** The stored record, or NOT_FOUND. */
  async record(id: string): Promise<TerminalRecord> {
    assertTerminalId(id);
    const t = await this.deps.store.getTerminal(id);
    if (!t) throw new CaoError('NOT_FOUND', `Terminal '${id}' not found`);
    return t;
  }

  detection(t: TerminalRecord): Detection {
    return this.deps.tracker.get(t.id) ?? { status: t.status, rule: 'stored', evidence: [] };
  }

  async get(id: string): Promise<TerminalView> {
    const t = await this.record(id);
    return terminalView(t, this.detection(t));
  }

  async list(session?: string): Promise<TerminalView[]> {
    const rows = await this.deps.store.listTerminals(session === undefined ? {} : { session });
    return rows.map((t) => terminalView(t, this.detection(t)));
  }

  private pane(t: TerminalRecord): string {
    const pane = this.deps.tracker.paneId(t.id);
    if (!pane)
      throw new CaoError('CONFLICT', `Terminal '${t.id}' is not running (its tmux window is gone)`);
    return pane;
  }

  provider(t: TerminalRecord): Provider {
    return getProvider(t.provider);
  }

  /**
   * Types `message` into the terminal and confirms it was submitted. Returns the detection
   * read right after submission, so callers never mistake the previous turn's "completed"
   * for the answer to this message.
   */
  async sendInput(id: string, text: string): Promise<SubmitResult & { detection: Detection }> {
    // the ledger's messages arrive here with their envelope around a checked body
    const message = acceptMessage(text, MAX_MESSAGE_BYTES + ENVELOPE_BYTES);
    const t = await this.record(id);
    return this.serialize(id, async () => {
      const d = this.detection(t);
      if (isGone(d)) {
        throw new CaoError(
          'CONFLICT',
          `Terminal '${id}' cannot take input: ${d.evidence[0] ?? d.rule}`,
        );
      }
      const result = await submitInput(
        this.deps.runtime,
        this.pane(t),
        this.provider(t),
        message,
        this.deps.timing,
      );
      this.deps.tracker.turnStarted(id);
      await this.deps.store.updateTerminal(id, { lastActive: isoNow() });
      const detection = await this.deps.tracker.refresh(id);
      return { ...result, detection };
    });
  }

  /** Runs sends to one terminal one after another. */
  serialize<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.sendQueues.get(id) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(fn);
    this.sendQueues.set(id, next);
    void next
      .finally(() => {
        if (this.sendQueues.get(id) === next) this.sendQueues.delete(id);
      })
      .catch(() => {});
    return next;
  }

  /** The terminal a token belongs to (by the token's hash), if it still exists. */
  async byTokenHash(hash: string): Promise<{ id: string; session: string } | undefined> {
    const t = await this.deps.store.terminalByTokenHash(hash);
    return t ? { id: t.id, session: t.session } : undefined;
  }

  /** The session of a terminal, undefined when there is no such terminal (or a bad id). */
  async sessionOf(id: string): Promise<string | undefined> {
    if (!isTerminalId(id)) return undefined;
    return (await this.deps.store.getTerminal(id))?.session;
  }

  /** The terminal exists and its window is being tracked (it can be viewed and typed into). */
  async isRunning(id: string): Promise<boolean> {
    const t = await this.record(id).catch(() => undefined);
    return t !== undefined && this.deps.tracker.paneId(t.id) !== undefined;
  }

  /** The status with the rule that decided it and the screen lines it looked at. */
  async detect(id: string): Promise<{
    terminal_id: string;
    provider: string;
    status: Detection['status'];
    rule: string;
    evidence: string[];
    question: Detection['question'] | null;
    gone: boolean;
  }> {
    const t = await this.record(id);
    const d = this.detection(t);
    return {
      terminal_id: t.id,
      provider: t.provider,
      status: d.status,
      rule: d.rule,
      evidence: d.evidence,
      question: d.question ?? null,
      gone: isGone(d),
    };
  }

  /** The agent's current directory (it may have moved), else the one it started in. */
  async workingDirectory(id: string): Promise<string | null> {
    const t = await this.record(id);
    const pane = this.deps.tracker.paneId(t.id);
    const state = pane ? await this.deps.runtime.paneState(pane) : undefined;
    return state?.currentPath || t.workingDirectory;
  }

  /** Streams the terminal's screen to a live viewer (see TerminalRuntime.streamPane). */
  async stream(id: string, viewer: PaneViewer): Promise<() => void> {
    return this.deps.runtime.streamPane(this.pane(await this.record(id)), viewer);
  }

  /** Bytes typed on the terminal, as they are (the dashboard's live terminal). */
  async write(id: string, data: Uint8Array): Promise<void> {
    await this.deps.runtime.writePane(this.pane(await this.record(id)), data);
  }

  async resize(id: string, cols: number, rows: number): Promise<void> {
    await this.deps.runtime.resizePane(this.pane(await this.record(id)), cols, rows);
  }

  /** cao-mcp-server reports that the agent's CLI has listed cao's tools. */
  /** `via`: how the CLI reached `/mcp` (directly over HTTP, or through the stdio bridge). */
  async markMcpReady(id: string, via?: 'http' | 'stdio'): Promise<void> {
    const t = await this.record(id);
    if (t.mcpReadyAt) return;
    await this.deps.store.updateTerminal(id, { mcpReadyAt: isoNow() });
    this.deps.log.info("the agent's CLI listed cao's MCP tools", {
      terminal: id,
      provider: t.provider,
      afterLaunchMs: Date.now() - Date.parse(t.createdAt),
      ...(via ? { transport: via } : {}),
    });
    this.deps.bus.publish({ type: 'terminal.mcp_ready', terminal_id: id, session: t.session });
  }

  async sendKey(id: string, key: string): Promise<void> {
    if (!KEY_RE.test(key)) {
      throw new CaoError(
        'INVALID_INPUT',
        `Invalid key '${key}': use Up, Down, Left, Right, Enter, Tab, Escape, Space, BSpace, a letter or digit, or C-/M-/S- with one.`,
      );
    }
    const t = await this.record(id);
    await this.deps.runtime.sendKeys(this.pane(t), [key]);
  }

  /**
   * `full`: the whole scrollback; `last`: the last answer, exactly as the model wrote it from
   * the CLI's session log when cao can read it, else the provider's reading of the screen.
   */
  async output(
    id: string,
    mode: OutputMode,
    turnOf?: TurnMessage,
  ): Promise<{ output: string; mode: OutputMode; found: boolean; source: AnswerSource }> {
    const t = await this.record(id);
    if (mode === 'last') {
      const logged = await this.loggedAnswer(t, turnOf);
      if (logged !== undefined) return { output: logged, mode, found: true, source: 'transcript' };
    }
    // a provider that reads colours gets the styled capture; everyone else, plain text
    const styled = this.provider(t).styled === true;
    const screen = await this.deps.runtime.capture(this.pane(t), { history: 'all', styled });
    const history = styled ? stripAnsi(screen) : screen;
    if (mode === 'full')
      return { output: history.replace(/\s+$/, ''), mode, found: true, source: 'screen' };
    const last = this.provider(t).lastMessage(screen);
    return { output: last ?? '', mode, found: last !== undefined, source: 'screen' };
  }

  /**
   * The last answer in the terminal's session log, once its turn is over there too. With
   * `turnOf`, only the answer to that message: a CLI writes its log a moment after its screen
   * (Claude Code in batches), so a log whose latest prompt is an older one is read again.
   */
  private async loggedAnswer(t: TerminalRecord, turnOf?: TurnMessage): Promise<string | undefined> {
    if (!this.transcripts.supports(t.provider)) return undefined;
    for (let i = 0; i < LOG_LAG_TRIES; i++) {
      const log = await this.transcripts.read(t).catch(() => undefined);
      if (!log) return undefined;
      const behind =
        turnOf !== undefined &&
        !(log.lastPrompt !== undefined && showsMessage(log.lastPrompt, turnOf));
      if (!log.turnOpen && !behind) return log.lastAnswer;
      // the log's turn is open (or not there yet): fine while the agent works, a lag when the
      // screen is done
      if (!isReadyStatus(this.detection(t).status)) return undefined;
      await sleep(LOG_LAG_MS);
    }
    return undefined;
  }

  /** Tokens and cost of the terminal's conversation (from its session log). */
  async usage(id: string, sinceMs?: number): Promise<TerminalUsage> {
    return terminalUsage(this.transcripts, await this.record(id), sinceMs);
  }

  /** The usage of the terminal's latest turns, newest first (core/usage-watch.ts). */
  async turnUsage(id: string, limit: number): Promise<TurnUsage[]> {
    const t = await this.record(id);
    return (await this.deps.store.listTurnUsage(t.id, limit)).map(turnUsageView);
  }

  /** Asks the CLI to quit the way it expects (`/exit`, a key). */
  async exit(id: string): Promise<void> {
    const t = await this.record(id);
    const exit = this.provider(t).exit;
    if ('keys' in exit) {
      // one at a time: a TUI may need a moment between typing a command and its Enter
      for (const [i, key] of exit.keys.entries()) {
        if (i > 0) await sleep(EXIT_KEY_GAP_MS);
        await this.deps.runtime.sendKeys(this.pane(t), [key]);
      }
    } else await this.sendInput(id, exit.text);
  }

  /**
   * Deletes the terminal: its scrollback is kept in logs/terminal/{id}.scrollback, the window
   * is killed, per-terminal files removed, the row deleted.
   */
  async delete(id: string): Promise<void> {
    const t = await this.record(id);
    const pane = this.deps.tracker.paneId(id);
    if (pane) {
      try {
        const history = await this.deps.runtime.capture(pane, { history: 'all' });
        mkdirSync(this.deps.paths.terminalLogs, { recursive: true, mode: 0o700 });
        writeFileSync(join(this.deps.paths.terminalLogs, `${id}.scrollback`), history, {
          mode: 0o600,
        });
      } catch {
        // the pane may already be gone; nothing to keep
      }
    }
    this.deps.tracker.untrack(id);
    this.transcripts.forget(id);
    if (pane) await this.deps.runtime.killWindow(pane).catch(() => {});
    await this.removeFiles(t);
    await this.deps.store.deleteTerminal(id);
    this.deps.bus.publish({ type: 'terminal.deleted', terminal_id: id, session: t.session });
  }

  /**
   * Deletes a terminal in the background (a finished handoff worker, once its answer was read:
   * the caller does not wait for the window to go). Returns the deletion, which never rejects.
   */
  deleteSoon(id: string): Promise<void> {
    return this.delete(id).catch((e: unknown) => {
      if (e instanceof CaoError && e.code === 'NOT_FOUND') return;
      this.deps.log.warn('could not remove a finished worker', {
        terminalId: id,
        error: e instanceof Error ? e.message : String(e),
      });
    });
  }

  /** Removes the terminal's per-terminal files, where it runs (placement.ts). */
  async removeFiles(t: Pick<TerminalRecord, 'id' | 'host'>): Promise<void> {
    await this.deps.removeTerminalFiles(t.host, t.id).catch(() => {});
  }
}
