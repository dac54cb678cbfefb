/**
 * Each terminal's own session log (the CLI's transcript), found and read where the terminal
 * runs, through its placement (this machine's files, or a host's over ssh: no shell strings
 * from user text). What a log says is decided by the pure readers in providers/logs/.
 *
 * A log is the terminal's own by a session id cao gave the CLI (Claude Code, Qwen Code, Copilot
 * CLI), or, for a CLI that picks its own id (Codex, Gemini CLI, Kimi Code: found in the CLI's
 * folder for the working directory or in its index of conversations), as the first
 * conversation started in the terminal's folder after the terminal was created that no other
 * terminal of this server has taken (not one started a moment before: see `ownConversation`);
 * a conversation whose first message cao typed (`cao message N`) was for this terminal is its
 * own, and one whose first message was for another terminal never is (two workers started
 * together in one folder: a conversation taken by its start is given up once that shows).
 * OpenCode's are rows of its SQLite database, found the
 * same way and read with a read-only query (on this machine directly, on another host with
 * that host's own `sqlite3`; the screen where neither works).
 */
import { sessionLogOf } from '../providers/logs/index.js';
import { firstMarkerId } from './message-text.js';
import type { LogContext, LogSummary, SessionDatabase, SessionLog } from '../providers/logs/log.js';
import type { TerminalRecord } from '../store/store.js';
import type { CoreDeps } from './deps.js';
import type { Placement } from './placement.js';

/** Enough of a log's start for its first line (Codex's carries its base instructions). */
const HEAD_BYTES = 256 * 1024;

export interface Transcript extends LogSummary {
  /** Where the log is, on the terminal's host (`<database>#<id>` for one kept in a database). */
  path: string;
}

/** Whose a conversation is by the first message cao typed into it (see `markOf`). */
type Mark = 'own' | 'other' | undefined;

export class TranscriptService {
  /** Terminal id → its log's path, once found. */
  private readonly found = new Map<string, string>();
  /** Terminals whose log is theirs for sure: by an id, or by a message cao typed into it. */
  private readonly sure = new Set<string>();

  constructor(private readonly deps: CoreDeps) {}

  /** Whether cao can read this provider's session log. */
  supports(provider: string): boolean {
    return sessionLogOf(provider) !== undefined;
  }

  /** The terminal's log, read now; undefined when its CLI keeps none or it is not there yet. */
  async read(t: TerminalRecord): Promise<Transcript | undefined> {
    const log = sessionLogOf(t.provider);
    if (!log || !t.workingDirectory) return undefined;
    const place = await this.deps.placement(t.host);
    if (log.database) return this.readDb(t, log.database, place);
    let path = this.found.get(t.id) ?? (await this.locate(t, log, place));
    if (!path) return undefined;
    let text = await place.readFile(path);
    if (text !== undefined && !this.sure.has(t.id)) {
      // taken by when it started (or by an id recorded so): until a message of this
      // terminal's shows in it, a message of another terminal's there makes it that one's
      const mark = await this.markOf(text, t.id);
      if (mark === 'own') this.sure.add(t.id);
      else if (mark === 'other') {
        this.found.delete(t.id);
        t = { ...t, conversationId: null };
        await this.deps.store.updateTerminal(t.id, { conversationId: null });
        path = await this.locate(t, log, place);
        if (!path) return undefined;
        text = await place.readFile(path);
      }
    }
    if (text === undefined) {
      this.found.delete(t.id);
      return undefined;
    }
    if (!this.found.has(t.id)) {
      // a CLI that picked its own id: the terminal's conversation from now on (a resume
      // continues it by id, and a restarted server finds the same log by it)
      const id = log.idOf?.(path);
      if (id !== undefined && id !== t.conversationId) {
        await this.deps.store.updateTerminal(t.id, { conversationId: id });
      }
    }
    this.found.set(t.id, path);
    return { ...log.parse(text), path };
  }

  /** Forgets a deleted terminal's log. */
  forget(id: string): void {
    this.found.delete(id);
    this.sure.delete(id);
  }

  /**
   * Whose a conversation is, by the first message marker (`cao message N`) in its text:
   * the first message cao typed into it (a worker's task), addressed to this terminal or to
   * another one; undefined when there is none, or it names no message cao knows.
   */
  private async markOf(head: string | undefined, terminalId: string): Promise<Mark> {
    const id = head === undefined ? undefined : firstMarkerId(head);
    if (id === undefined) return undefined;
    const m = await this.deps.store.getMessage(id).catch(() => undefined);
    if (!m) return undefined;
    return m.receiverId === terminalId ? 'own' : 'other';
  }

  /**
   * A log kept in a database (OpenCode): the terminal's conversation is found like a file log
   * without an id (the first started in its folder since its creation that no other terminal
   * took; `found` keeps it as `<db>#<id>`) and kept as the terminal's `conversationId` (what a
   * resume continues, and what finds it again after a restart); then its records are read.
   */
  private async readDb(
    t: TerminalRecord,
    db: SessionDatabase,
    place: Placement,
  ): Promise<Transcript | undefined> {
    if (!place.queryDb) return undefined;
    const file = db.path(contextOf(t, place));
    let key =
      this.found.get(t.id) ?? (t.conversationId ? `${file}#${t.conversationId}` : undefined);
    if (key === undefined) {
      const taken = new Set(this.found.values());
      const q = db.started(contextOf(t, place));
      const rows = (await place.queryDb(file, q.sql, q.params)) ?? [];
      const candidates = rows
        .map((r) => ({
          path: typeof r['id'] === 'string' ? `${file}#${r['id']}` : '',
          at: typeof r['at'] === 'number' ? r['at'] : Number(r['at']),
        }))
        .filter((c) => c.path !== '' && Number.isFinite(c.at) && !taken.has(c.path));
      key = ownConversation(candidates, Date.parse(t.createdAt), place.host !== 'local')?.path;
      if (key === undefined) return undefined;
      // the terminal's conversation from now on: a resume continues it (`--session <id>`)
      await this.deps.store.updateTerminal(t.id, { conversationId: idOf(key) });
    }
    const q = db.records(idOf(key));
    const rows = await place.queryDb(file, q.sql, q.params);
    if (rows === undefined) {
      this.found.delete(t.id);
      return undefined;
    }
    this.found.set(t.id, key);
    return { ...db.parseRows(rows), path: key };
  }

  private async locate(
    t: TerminalRecord,
    log: SessionLog,
    place: Placement,
  ): Promise<string | undefined> {
    const ctx = contextOf(t, place);
    const dirs = log.dirs(ctx);
    const name = log.fileName?.(ctx);
    if (name) {
      for (const dir of dirs) {
        const path = `${dir}/${name}`;
        if ((await place.readFile(path, 1)) !== undefined) {
          this.sure.add(t.id);
          return path;
        }
      }
      return undefined;
    }
    if (!log.startedBy) return undefined;
    /** Path → the terminal that took it. */
    const taken = new Map([...this.found].map(([id, path]) => [path, id]));
    const paths: string[] = [];
    const indexPath = log.index?.(ctx);
    if (indexPath !== undefined && log.fromIndex) {
      const index = await place.readFile(indexPath);
      if (index !== undefined) paths.push(...log.fromIndex(index, ctx));
    }
    for (const dir of dirs) {
      for (const f of await place.listDir(dir)) {
        if (f.name.endsWith('.jsonl') && f.mtimeMs >= ctx.createdAtMs - 60_000)
          paths.push(`${dir}/${f.name}`);
      }
    }
    // the conversation recorded for the terminal (found before a restart, or resumed) is its own
    const recorded = t.conversationId;
    if (recorded && log.idOf) {
      const own = paths.find((p) => log.idOf!(p) === recorded);
      // (read() still checks its first message: an id recorded before a swap is given up)
      if (own !== undefined) return own;
    }
    const candidates: { path: string; at: number; mark: Mark }[] = [];
    for (const path of [...new Set(paths)]) {
      const head = await place.readFile(path, HEAD_BYTES);
      const at = head === undefined ? undefined : log.startedBy(head, ctx);
      if (at === undefined) continue;
      const mark = await this.markOf(head, t.id);
      // another terminal's by its first message; or taken (by its start) unless it is this one's
      if (mark === 'other' || (taken.has(path) && mark !== 'own')) continue;
      candidates.push({ path, at, mark });
    }
    // a conversation whose first message cao typed for this terminal is its own, whenever it began
    const marked = candidates.filter((c) => c.mark === 'own').sort((a, b) => a.at - b.at)[0];
    if (marked) {
      const holder = taken.get(marked.path);
      if (holder !== undefined) {
        // another terminal took it by its start: that one looks again at its next read
        this.found.delete(holder);
        this.sure.delete(holder);
        await this.deps.store.updateTerminal(holder, { conversationId: null });
      }
      this.sure.add(t.id);
      return marked.path;
    }
    return ownConversation(candidates, ctx.createdAtMs, place.host !== 'local')?.path;
  }
}

/**
 * Of the conversations started in a terminal's folder that no other terminal took (each with
 * its start), the terminal's own: the first one started once the terminal existed (cao records
 * a terminal before its CLI starts). Not one started just before: that is another agent's in
 * the same folder whose log cao has not read yet (a handoff's supervisor, mid-turn while its
 * worker starts). Only on another host, whose clock may run behind this one's, the latest one
 * started shortly before counts when there is none after. Pure.
 */
export function ownConversation<T extends { at: number }>(
  candidates: readonly T[],
  createdAtMs: number,
  clockMayDiffer: boolean,
): T | undefined {
  const after = candidates.filter((c) => c.at >= createdAtMs).sort((a, b) => a.at - b.at);
  if (after[0] !== undefined || !clockMayDiffer) return after[0];
  return [...candidates].sort((a, b) => b.at - a.at)[0];
}

/** The conversation id of a `<database>#<id>` key. */
const idOf = (key: string): string => key.slice(key.lastIndexOf('#') + 1);

const contextOf = (t: TerminalRecord, place: Placement): LogContext => ({
  terminalId: t.id,
  home: place.home,
  env: place.baseEnv,
  tmpDir: place.tmpDir,
  workingDirectory: t.workingDirectory ?? '',
  createdAtMs: Date.parse(t.createdAt),
  conversationId: t.conversationId ?? undefined,
});
