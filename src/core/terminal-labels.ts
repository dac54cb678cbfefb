/**
 * What a terminal's tmux window carries about it (the runtime's window labels), so that a
 * cao-server whose database was lost (deleted, corrupt and moved aside) can rebuild the
 * terminal's row from tmux alone and adopt it: the agents keep running and `cao shutdown`
 * still reaches them. Labels hold no secrets (no environment) and only values cao validated
 * (the working directory is user text, carried encoded by the runtime). Pure.
 *
 * `home` is CAO_HOME: only windows of this cao home are rebuilt, never another server's on
 * the same tmux server.
 */
import { isTerminalId } from '../lib/names.js';
import { isProviderId } from '../providers/index.js';
import type { PaneState } from '../runtime/runtime.js';
import type { TerminalRecord } from '../store/store.js';

export function terminalLabels(t: TerminalRecord, home: string): Record<string, string> {
  return {
    home,
    provider: t.provider,
    profile: t.agentProfile ?? '',
    cwd: t.workingDirectory ?? '',
    caller: t.callerId ?? '',
    model: t.model ?? '',
    tools: t.allowedTools === null ? '' : JSON.stringify(t.allowedTools),
    mcp: t.mcpExpected ? '1' : '0',
    created: t.createdAt,
  };
}

/**
 * The terminal row a labelled pane of this `home` stands for, or undefined (another home's
 * window, one from a cao without labels, or labels that do not parse).
 */
export function recordFromLabels(
  pane: PaneState,
  home: string,
  now: string,
): TerminalRecord | undefined {
  const l = pane.labels;
  const id = pane.terminalId;
  if (!l || l['home'] !== home || !id || !isTerminalId(id)) return undefined;
  const provider = l['provider'] ?? '';
  if (!isProviderId(provider)) return undefined;
  let tools: string[] | null = null;
  if (l['tools']) {
    try {
      const parsed: unknown = JSON.parse(l['tools']);
      if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) return undefined;
      tools = parsed;
    } catch {
      return undefined;
    }
  }
  const created = l['created'] && !Number.isNaN(Date.parse(l['created'])) ? l['created'] : now;
  return {
    id,
    session: pane.session,
    windowName: pane.windowName,
    provider,
    agentProfile: l['profile'] || null,
    workingDirectory: l['cwd'] || null,
    allowedTools: tools,
    callerId: l['caller'] && isTerminalId(l['caller']) ? l['caller'] : null,
    model: l['model'] || null,
    status: 'unknown',
    mcpExpected: l['mcp'] === '1',
    mcpReadyAt: null,
    // it outlived a database: it started long ago (and the ledger waits for ready terminals)
    // the token is not in tmux (a secret): this terminal's MCP calls fail until it is relaunched
    tokenHash: null,
    host: pane.host ?? 'local',
    paneId: pane.paneId,
    windowId: pane.windowId,
    readyAt: now,
    createdAt: created,
    lastActive: now,
  };
}
