/**
 * Re-adoption after a restart: terminals recorded in the store whose tmux windows still exist
 * are tracked again (status, inbox delivery and waits resume); records whose windows are gone
 * are removed. tmux windows carry their terminal id (`@cao_terminal_id`), so adoption does
 * not depend on window names or pane numbers. Windows of this CAO_HOME that the store does not
 * know (the database was deleted, or was corrupt and moved aside) are rebuilt from their
 * labels (terminal-labels.ts) with their session rows, and adopted too, so no agent is left
 * that `cao shutdown` cannot reach. Per-terminal files (`{id}.*` in tmp/ and in the root-only
 * directory) of terminals that were not adopted are removed.
 */
import { errorMessage } from '../lib/errors.js';
import { isoNow } from '../lib/time.js';
import { isProviderId, providers } from '../providers/index.js';
import type { PaneState } from '../runtime/runtime.js';
import type { TerminalRecord } from '../store/store.js';
import type { CoreDeps } from './deps.js';
import { awaitReady } from './launcher.js';
import { keepResumable } from './resume.js';
import { removeTerminalFiles } from './terminal-files.js';
import { recordFromLabels } from './terminal-labels.js';

export interface AdoptionReport {
  adopted: string[];
  /** Adopted terminals whose rows were rebuilt from their windows' labels. */
  rebuilt: string[];
  removed: string[];
  /** Per-terminal files left by terminals that are gone. */
  sweptFiles: number;
}

export async function adoptTerminals(deps: CoreDeps): Promise<AdoptionReport> {
  const report: AdoptionReport = { adopted: [], rebuilt: [], removed: [], sweptFiles: 0 };
  // a host that cannot be reached now keeps its terminals: they are tracked as unreachable, and
  // read once it is back (a host that rebooted lost them; that shows then)
  const unreachable = new Set(deps.runtime.unreachableHosts?.() ?? []);
  const panes = await deps.runtime.listPanes();
  const byId = new Map(panes.filter((p) => p.terminalId).map((p) => [p.terminalId, p]));
  const stored = await deps.store.listTerminals();
  const rebuilt = await rebuildFromLabels(deps, panes, new Set(stored.map((t) => t.id)));
  report.rebuilt = rebuilt.map((t) => t.id);
  const live = new Set((await deps.runtime.listSessions()).map((s) => s.name));
  // terminals whose whole session is gone (tmux died, the machine rebooted) can be resumed
  const lost: TerminalRecord[] = [];
  for (const t of [...stored, ...rebuilt]) {
    if (unreachable.has(t.host) && t.paneId && t.windowId && isProviderId(t.provider)) {
      deps.runtime.placeSession?.(t.session, t.host);
      await deps.tracker
        .track({
          terminalId: t.id,
          session: t.session,
          paneId: t.paneId,
          windowId: t.windowId,
          provider: providers[t.provider],
        })
        .then(() => report.adopted.push(t.id))
        .catch((e: unknown) =>
          deps.log.warn('could not adopt terminal', { terminalId: t.id, error: errorMessage(e) }),
        );
      continue;
    }
    const pane = byId.get(t.id);
    if (!pane || pane.session !== t.session || !isProviderId(t.provider)) {
      if (!live.has(t.session) && isProviderId(t.provider)) lost.push(t);
      await deps.store.deleteTerminal(t.id);
      report.removed.push(t.id);
      continue;
    }
    try {
      if (
        pane.windowName !== t.windowName ||
        pane.paneId !== t.paneId ||
        pane.windowId !== t.windowId
      )
        await deps.store.updateTerminal(t.id, {
          windowName: pane.windowName,
          paneId: pane.paneId,
          windowId: pane.windowId,
        });
      await deps.tracker.track({
        terminalId: t.id,
        session: t.session,
        paneId: pane.paneId,
        windowId: pane.windowId,
        provider: providers[t.provider],
      });
      report.adopted.push(t.id);
      if (!t.readyAt) {
        // the server died while this CLI was starting: finish its start-up now
        void awaitReady(deps, t.id, providers[t.provider], deps.timing.initTimeoutMs).catch(
          (e: unknown) =>
            deps.log.warn('adopted terminal did not become ready', {
              terminalId: t.id,
              error: errorMessage(e),
            }),
        );
      }
    } catch (e) {
      deps.log.warn('could not adopt terminal', { terminalId: t.id, error: errorMessage(e) });
    }
  }
  for (const session of new Set(lost.map((t) => t.session))) {
    const terminals = lost.filter((t) => t.session === session);
    const env = (await deps.store.getSession(session))?.env ?? {};
    await keepResumable(deps, terminals, env, 'lost').catch((e: unknown) =>
      deps.log.warn('could not keep a lost session resumable', { session, error: errorMessage(e) }),
    );
  }
  const kept = new Set(
    (await deps.store.listTerminals()).filter((t) => unreachable.has(t.host)).map((t) => t.session),
  );
  for (const s of await deps.store.listSessions()) {
    if (!live.has(s.name) && !kept.has(s.name)) await deps.store.deleteSession(s.name);
  }
  const adopted = new Set(report.adopted);
  report.sweptFiles = removeTerminalFiles(deps, (id) => !adopted.has(id));
  return report;
}

/** Rows (and session rows) for labelled windows of this home that the store does not know. */
async function rebuildFromLabels(
  deps: CoreDeps,
  panes: readonly PaneState[],
  known: ReadonlySet<string>,
): Promise<TerminalRecord[]> {
  const now = isoNow();
  const records = panes
    .filter((p) => p.terminalId !== undefined && !known.has(p.terminalId))
    .map((p) => recordFromLabels(p, deps.paths.home, now))
    .filter((t): t is TerminalRecord => t !== undefined)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  if (records.length === 0) return [];
  const sessions = new Map((await deps.runtime.listSessions()).map((s) => [s.name, s]));
  for (const t of records) {
    if (!(await deps.store.getSession(t.session))) {
      // the oldest terminal of a session is its conductor, started where the session was
      await deps.store.insertSession({
        name: t.session,
        workingDirectory: t.workingDirectory,
        // the session's --env is not kept in tmux (it may hold secrets): later workers of a
        // rebuilt session get cao-server's environment only
        env: {},
        createdAt: sessions.get(t.session)?.createdAt.toISOString() ?? t.createdAt,
      });
    }
    await deps.store.insertTerminal(t);
    deps.log.info('rebuilt a terminal from its tmux window', {
      terminalId: t.id,
      session: t.session,
    });
  }
  return records;
}
