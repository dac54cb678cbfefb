/**
 * Re-adoption after a restart: terminals recorded in the store whose tmux windows still exist
 * are tracked again (status, inbox delivery and waits resume); records whose windows are gone
 * are removed. tmux windows carry their terminal id (`@cao_terminal_id`), so adoption does
 * not depend on window names or pane numbers. Per-terminal files (`{id}.*` in tmp/ and in the
 * root-only directory) of terminals that were not adopted are removed.
 */
import { errorMessage } from '../lib/errors.js';
import { isProviderId, providers } from '../providers/index.js';
import type { CoreDeps } from './deps.js';
import { awaitReady } from './launcher.js';
import { removeTerminalFiles } from './terminal-files.js';

export interface AdoptionReport {
  adopted: string[];
  removed: string[];
  /** Per-terminal files left by terminals that are gone. */
  sweptFiles: number;
}

export async function adoptTerminals(deps: CoreDeps): Promise<AdoptionReport> {
  const report: AdoptionReport = { adopted: [], removed: [], sweptFiles: 0 };
  const panes = await deps.runtime.listPanes();
  const byId = new Map(panes.filter((p) => p.terminalId).map((p) => [p.terminalId, p]));
  for (const t of await deps.store.listTerminals()) {
    const pane = byId.get(t.id);
    if (!pane || pane.session !== t.session || !isProviderId(t.provider)) {
      await deps.store.deleteTerminal(t.id);
      report.removed.push(t.id);
      continue;
    }
    try {
      if (pane.windowName !== t.windowName)
        await deps.store.updateTerminal(t.id, { windowName: pane.windowName });
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
  const live = new Set((await deps.runtime.listSessions()).map((s) => s.name));
  for (const s of await deps.store.listSessions()) {
    if (!live.has(s.name)) await deps.store.deleteSession(s.name);
  }
  const adopted = new Set(report.adopted);
  report.sweptFiles = removeTerminalFiles(deps, (id) => !adopted.has(id));
  return report;
}
