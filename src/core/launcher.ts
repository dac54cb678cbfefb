/**
 * Starting an agent terminal, on this machine or on a remote host (placement.ts). Everything
 * that can be wrong with the request (profile, provider, host, working directory there, missing
 * CLI there, a combination the CLI would refuse) is checked in `prepareTerminal` before
 * anything exists; `startTerminal` then writes the terminal's files where it runs, creates the
 * window and waits for the CLI's input prompt, and removes every trace of the terminal if that
 * fails.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CaoError, errorMessage } from '../lib/errors.js';
import { assertAgentEnv } from '../lib/env-policy.js';
import { assertModel, newTerminalId, windowName } from '../lib/names.js';
import { hashToken, newToken } from '../lib/secrets.js';
import { readSettings } from '../lib/settings.js';
import { formatSeconds, isoNow, sleep } from '../lib/time.js';
import { loadProfile } from '../profiles/discovery.js';
import type { AgentProfile } from '../profiles/profile.js';
import { DEFAULT_PROVIDER, getProvider, providers } from '../providers/index.js';
import {
  isReadyStatus,
  type Detection,
  type HomeOverlay,
  type LaunchFile,
  type McpServerSpec,
  type Provider,
} from '../providers/provider.js';
import type { PaneRef, WindowSpec } from '../runtime/runtime.js';
import type { TerminalRecord } from '../store/store.js';
import { assertKnownTools, resolveAllowedTools } from '../profiles/allowed-tools.js';
import { sessionLogOf } from '../providers/logs/index.js';
import { assertLimits, type BudgetLimits } from './budgets.js';
import type { CoreDeps } from './deps.js';
import { agentEnvironment } from './environment.js';
import { resolveDirectoryOn, type Placement } from './placement.js';
import { terminalLabels } from './terminal-labels.js';
import {
  createWorktree,
  destroyWorktree,
  planWorktree,
  worktreePath,
  type WorktreePlan,
} from './worktrees.js';

export interface CreateTerminalOptions {
  session: string;
  profileName: string;
  provider?: string | undefined;
  /** Used when neither `provider` nor the profile names one (a worker gets its caller's). */
  fallbackProvider?: string | undefined;
  /** As the user gave it; validated here. */
  workingDirectory: string;
  /** `--yolo`: skip the CLI's permission prompts. */
  yolo?: boolean | undefined;
  /** CAO tool vocabulary from the caller (`--allowed-tools`), overriding the profile. */
  allowedTools?: string[] | undefined;
  model?: string | undefined;
  callerId?: string | undefined;
  sessionEnv: Readonly<Record<string, string>>;
  /** Where it runs: a host's name, 'local' or 'auto' (hosts.ts); default: the profile's
   *  `host:`, else the caller's host (a worker goes where its supervisor works), else local. */
  host?: string | undefined;
  /** A worker's caller's host. */
  callerHost?: string | undefined;
  /** The working directory is the caller's, not asked for: on another host than the caller's
   *  where that folder does not exist, the worker starts in its home there. */
  fallbackToHome?: boolean | undefined;
  /** Run in a new git worktree made from the working directory's HEAD (worktrees.ts);
   *  default: the profile's `use_worktree`. */
  useWorktree?: boolean | undefined;
  /** Limits on its tokens and cost (`--max-tokens`, `--max-cost`); default: the profile's
   *  `max_tokens:` and `max_cost:`. A resumed terminal keeps the budget it had. */
  budget?: BudgetLimits | undefined;
  /** Resuming a terminal of an ended session: its id again, and its CLI's conversation. */
  resume?: { terminalId: string; conversationId: string | null } | undefined;
}

export interface PreparedTerminal {
  /** Where it runs (its files are written there). */
  place: Placement;
  record: TerminalRecord;
  provider: Provider;
  profile: AgentProfile;
  spec: WindowSpec;
  files: LaunchFile[];
  /** The stand-in for the CLI's home folder to bring up to date before the window (local). */
  home?: HomeOverlay | undefined;
  /** The worktree to make before the window (`use_worktree`). */
  worktree?: WorktreePlan | undefined;
  /** Its budget, recorded with its row. */
  budget: BudgetLimits;
}

/** Checks the request and builds the launch; creates nothing. */
export async function prepareTerminal(
  deps: CoreDeps,
  o: CreateTerminalOptions,
): Promise<PreparedTerminal> {
  const profile = loadProfile(o.profileName, { paths: deps.paths, home: deps.home });
  const providerId = o.provider || profile.provider || o.fallbackProvider || DEFAULT_PROVIDER;
  const provider = getProvider(providerId);
  const place = await deps.placement(o.host ?? profile.host ?? o.callerHost ?? undefined);
  const elsewhere = place.host !== (o.callerHost ?? 'local');
  const dir = await resolveDirectoryOn(place, o.workingDirectory).catch(async (e: unknown) => {
    if (!o.fallbackToHome || !elsewhere || !(e instanceof CaoError) || e.code !== 'INVALID_INPUT')
      throw e;
    return resolveDirectoryOn(place, place.home);
  });
  const terminalId = o.resume?.terminalId ?? newTerminalId();
  // a worker in its own worktree starts at the same place inside it as the folder asked for
  const worktree =
    !o.resume && (o.useWorktree ?? profile.use_worktree) === true
      ? await planWorktree(dir, place.host)
      : undefined;
  const cwd = worktree ? join(worktreePath(deps, o.session, terminalId), worktree.subdir) : dir;
  if (o.model !== undefined) assertModel(o.model);
  const budget = assertLimits(
    {
      maxCostUsd: o.budget?.maxCostUsd ?? (o.resume ? undefined : profile.max_cost),
      maxTokens: o.budget?.maxTokens ?? (o.resume ? undefined : profile.max_tokens),
    },
    "The budget (--max-cost, --max-tokens, or the profile's max_cost, max_tokens)",
  );
  if ((budget.maxCostUsd ?? budget.maxTokens) !== undefined && !sessionLogOf(provider.id))
    throw new CaoError(
      'INVALID_INPUT',
      `cao cannot read ${provider.label}'s usage (it reads no session log of it), so it cannot keep a budget for it: start it without --max-cost and --max-tokens (and without the profile's max_cost, max_tokens), or use another provider.`,
    );
  assertAgentEnv(
    o.sessionEnv,
    readSettings(deps.paths.settings).env.allow_loader_vars,
    "The session's environment (env_vars, --env)",
  );
  // the terminal's identity at /mcp and the API: the agent finds it in a private file, never in
  // an argument or the environment (some CLIs list their MCP servers' environment in argv)
  const token = newToken('terminal');
  const tokenFile: LaunchFile = {
    path: join(place.tmpDir, `${terminalId}.token`),
    content: `${token}\n`,
    mode: 0o600,
  };
  const env = agentEnvironment({
    base: place.baseEnv,
    sessionEnv: o.sessionEnv,
    terminalId,
    session: o.session,
    apiUrl: place.apiUrl,
    tokenFile: tokenFile.path,
  });
  const binary = await place.findBinary(provider.binary, env['PATH']);
  if (!binary) {
    const where =
      place.host === 'local'
        ? 'on the PATH of cao-server. '
        : `on host ${place.host} (on the PATH its ssh sessions get). `;
    const installed = await installedProviders(place, env['PATH']);
    const others =
      installed.length > 0
        ? ` Installed ${place.host === 'local' ? 'here' : 'there'}: ${installed.join(', ')}.`
        : ` No agent CLI cao knows is installed ${place.host === 'local' ? 'here' : 'there'}.`;
    throw new CaoError(
      'NOT_INSTALLED',
      `${provider.label} is not installed: '${provider.binary}' was not found ${where}` +
        `Install it (${provider.installHint}) ${place.host === 'local' ? 'and make sure it is on the PATH cao-server was started with' : 'there'}, or choose another --provider${place.host === 'local' ? '' : ' or --host'}.` +
        others,
      {
        details: {
          provider: provider.id,
          binary: provider.binary,
          host: place.host,
          installed,
        },
      },
    );
  }
  if (o.allowedTools) assertKnownTools(o.allowedTools, profile);
  const allowedTools = resolveAllowedTools({
    yolo: o.yolo ?? false,
    explicit: o.allowedTools,
    profile,
  });
  const { servers, cao } = mcpServers(deps, place, provider, profile, {
    id: terminalId,
    token,
    tokenFile: tokenFile.path,
  });
  const spec = provider.launch({
    terminalId,
    profile,
    yolo: !profile.permissionMode,
    allowedTools,
    model: o.model,
    workingDirectory: cwd,
    home: place.home,
    tmpDir: place.tmpDir,
    mcpServers: servers,
    env,
    isRoot: place.isRoot,
    rootOnlyDir: place.rootOnlyDir,
  });
  // the CLI's own conversation: named by cao when the CLI takes an id, continued on resume
  let argv = spec.argv;
  let conversationId: string | null = null;
  if (o.resume && provider.resumeArgs) {
    conversationId = o.resume.conversationId;
    argv = provider.resumeArgs(argv, conversationId);
  } else if (provider.conversationArgs) {
    conversationId = provider.conversationIdFor?.(terminalId) ?? randomUUID();
    argv = [...argv, ...provider.conversationArgs(conversationId)];
  }
  const now = isoNow();
  const record: TerminalRecord = {
    id: terminalId,
    session: o.session,
    windowName: '',
    provider: provider.id,
    agentProfile: profile.name,
    workingDirectory: cwd,
    allowedTools,
    callerId: o.callerId ?? null,
    model: o.model ?? profile.model ?? null,
    status: 'unknown',
    // readiness waits for the CLI to list cao's tools only when it does so while starting
    mcpExpected: cao && provider.mcpListsTools === 'start',
    mcpReadyAt: null,
    readyAt: null,
    tokenHash: hashToken(token),
    host: place.host,
    paneId: null,
    windowId: null,
    conversationId,
    createdAt: now,
    lastActive: now,
  };
  return {
    place,
    provider,
    profile,
    files: [tokenFile, ...(spec.files ?? [])],
    home: spec.home,
    record,
    worktree,
    budget,
    spec: {
      host: place.host,
      session: o.session,
      windowName: windowName(profile.name, terminalId),
      terminalId,
      cwd,
      argv,
      env: { ...env, ...spec.env },
      unsetEnv: spec.unsetEnv ?? [],
      labels: terminalLabels(record, deps.paths.home),
    },
  };
}

/** The name an HTTP MCP server's bearer token has in the agent's environment, when a CLI
 *  reads it from there (Codex's `bearer_token_env_var`). */
export const TOKEN_ENV = 'CAO_TERMINAL_TOKEN';

/**
 * MCP servers of the profile. cao's own (`cao-mcp-server`) is cao-server's `/mcp` over HTTP
 * with the terminal's token when the CLI can reach an HTTP server (always so on a remote host,
 * through the reverse forward: there is no cao there to run a bridge), and otherwise the stdio
 * bridge of this installation. `cao`: whether cao's own tools are among them.
 */
function mcpServers(
  deps: CoreDeps,
  place: Placement,
  provider: Provider,
  profile: AgentProfile,
  terminal: { id: string; token: string; tokenFile: string },
): { servers: Record<string, McpServerSpec>; cao: boolean } {
  const servers: Record<string, McpServerSpec> = {};
  let cao = false;
  const remote = place.host !== 'local';
  const http = provider.mcpTransport === 'http' && (remote || deps.mcpTransport === 'http');
  for (const [name, s] of Object.entries(profile.mcpServers ?? {})) {
    if (!s.command) {
      deps.log.warn('skipping MCP server without a command (url servers are not supported yet)', {
        name,
      });
      continue;
    }
    const isCao = s.command === 'cao-mcp-server' || name === 'cao-mcp-server';
    if (isCao && http) {
      servers[name] = {
        type: 'http',
        url: new URL('/mcp', place.apiUrl).href,
        headers: {},
        bearer: { token: terminal.token, env: TOKEN_ENV },
      };
      cao = true;
      continue;
    }
    if (isCao && remote) {
      deps.log.warn(
        `${provider.label} takes only stdio MCP servers and cao's stdio bridge cannot run on a remote host; this agent gets no cao tools`,
        { host: place.host, terminalId: terminal.id },
      );
      continue;
    }
    cao ||= isCao;
    servers[name] = {
      type: 'stdio',
      command: isCao ? deps.mcpServerCommand().command : s.command,
      args: isCao ? [...deps.mcpServerCommand().args, ...(s.args ?? [])] : (s.args ?? []),
      env: {
        ...(s.env ?? {}),
        CAO_TERMINAL_ID: terminal.id,
        CAO_API_URL: place.apiUrl,
        ...(isCao ? { CAO_TERMINAL_TOKEN_FILE: terminal.tokenFile } : {}),
      },
    };
  }
  return { servers, cao };
}

export interface StartOptions {
  /** Create the tmux session (first terminal) rather than a window in an existing one. */
  newSession: boolean;
  /**
   * Return as soon as the window exists and wait for readiness in the background; if the CLI
   * then fails to start, `onStartFailed` runs (while the row still exists) and the terminal is
   * removed.
   */
  deferReady?: boolean;
  onStartFailed?: (record: TerminalRecord, error: CaoError) => Promise<void>;
  /** Called after the terminal's row exists and before tracking and waiting for readiness. */
  onCreated?: (record: TerminalRecord) => Promise<void>;
}

/** Creates the window, records and tracks the terminal, and waits until the CLI is ready. */
export async function startTerminal(
  deps: CoreDeps,
  p: PreparedTerminal,
  o: StartOptions,
): Promise<TerminalRecord> {
  let ref: PaneRef;
  const worktree = p.worktree
    ? await createWorktree(deps, p.worktree, {
        session: p.record.session,
        terminalId: p.record.id,
        agentProfile: p.record.agentProfile,
      })
    : undefined;
  try {
    for (const f of p.files) await p.place.writeFile(f);
    if (p.home) await p.place.syncHome(p.home);
    ref = o.newSession
      ? await deps.runtime.createSession(p.spec)
      : await deps.runtime.createWindow(p.spec);
  } catch (e) {
    await p.place.removeTerminalFiles(p.record.id).catch(() => {});
    if (worktree) await destroyWorktree(deps, worktree).catch(() => {});
    throw e;
  }
  const record: TerminalRecord = {
    ...p.record,
    windowName: ref.windowName,
    paneId: ref.paneId,
    windowId: ref.windowId,
  };
  try {
    await deps.store.insertTerminal(record);
    if ((p.budget.maxCostUsd ?? p.budget.maxTokens) !== undefined)
      await deps.store.setBudget({
        terminalId: record.id,
        maxCostUsd: p.budget.maxCostUsd ?? null,
        maxTokens: p.budget.maxTokens ?? null,
        updatedAt: isoNow(),
      });
    await o.onCreated?.(record);
    await deps.tracker.track({
      terminalId: record.id,
      session: record.session,
      paneId: ref.paneId,
      windowId: ref.windowId,
      provider: p.provider,
    });
    deps.bus.publish({
      type: 'terminal.created',
      terminal_id: record.id,
      session: record.session,
      agent_profile: record.agentProfile,
      provider: record.provider,
      host: record.host,
    });
    if (!o.deferReady) {
      await awaitReady(deps, record.id, p.provider, initTimeout(deps, p.profile));
      return record;
    }
  } catch (e) {
    await discardTerminal(deps, record, ref, p.place, o.newSession);
    throw e;
  }
  void awaitReady(deps, record.id, p.provider, initTimeout(deps, p.profile)).catch(
    async (e: unknown) => {
      const err = e instanceof CaoError ? e : new CaoError('AGENT_FAILED', errorMessage(e));
      deps.log.warn('deferred start failed', { terminalId: record.id, error: err.message });
      await o.onStartFailed?.(record, err).catch(() => {});
      await discardTerminal(deps, record, ref, p.place, o.newSession);
      deps.bus.publish({
        type: 'terminal.deleted',
        terminal_id: record.id,
        session: record.session,
      });
    },
  );
  return record;
}

export function initTimeout(deps: CoreDeps, profile: AgentProfile): number {
  return profile.provider_init_timeout
    ? profile.provider_init_timeout * 1000
    : deps.timing.initTimeoutMs;
}

/**
 * Waits for the CLI's input prompt, answering the start-up dialogs the provider knows
 * (trust this folder, accept bypass mode). Fails fast when the CLI exits or sits at a question
 * nobody can answer.
 */
export async function awaitReady(
  deps: CoreDeps,
  terminalId: string,
  provider: Provider,
  timeoutMs: number,
): Promise<Detection> {
  const deadline = Date.now() + timeoutMs;
  let lastKeysAt = 0;
  let waitingSince: number | undefined;
  let screenAt: number | undefined;
  for (;;) {
    const d = deps.tracker.get(terminalId) ?? (await deps.tracker.refresh(terminalId));
    if (isReadyStatus(d.status)) {
      // some CLIs show their prompt for a moment before a dialog (Codex's folder trust):
      // their prompt must still be there a little later
      const settleMs = await readySettle(deps, terminalId, provider);
      if (settleMs > 0) await sleep(settleMs);
      const settled = settleMs > 0 ? (deps.tracker.get(terminalId) ?? d) : d;
      if (!isReadyStatus(settled.status)) continue;
      if (screenAt === undefined) {
        screenAt = Date.now();
        const t = await deps.store.getTerminal(terminalId);
        if (t) {
          deps.log.info("the agent's ready screen is up", {
            terminal: terminalId,
            provider: provider.id,
            afterLaunchMs: Date.now() - Date.parse(t.createdAt),
          });
        }
      }
      await awaitMcp(deps, terminalId, deadline, screenAt);
      // a dialog may also come up while the CLI connects to its MCP servers: only a prompt
      // that is still there now counts
      const after = deps.tracker.get(terminalId) ?? settled;
      if (!isReadyStatus(after.status)) continue;
      await markReady(deps, terminalId);
      return after;
    }
    const screen = deps.tracker.lastScreen(terminalId) ?? '';
    if (d.status === 'error') {
      throw new CaoError(
        'AGENT_FAILED',
        `${provider.label} failed to start: ${describe(d, screen)}`,
        {
          details: { terminal_id: terminalId, rule: d.rule },
        },
      );
    }
    const keys = provider.startupKeys(screen);
    if (keys && Date.now() - lastKeysAt > 1500) {
      deps.log.info('answering start-up dialog', { terminalId, rule: d.rule, keys });
      const pane = deps.tracker.paneId(terminalId);
      if (pane) await deps.runtime.sendKeys(pane, keys).catch(() => {});
      lastKeysAt = Date.now();
    }
    if (d.status === 'waiting_user_answer' && !keys) {
      waitingSince ??= Date.now();
      if (Date.now() - waitingSince > deps.timing.unansweredDialogMs) {
        throw new CaoError(
          'AGENT_FAILED',
          `${provider.label} is waiting for an answer cao cannot give during start-up: ${describe(d, screen)}. ` +
            'Answer it once in a normal session of that CLI (or fix its configuration), then launch again.',
          { details: { terminal_id: terminalId, rule: d.rule } },
        );
      }
    } else waitingSince = undefined;
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new CaoError(
        'TIMEOUT',
        `${provider.label} did not show its input prompt within ${formatSeconds(timeoutMs)} (status ${d.status}): ${describe(d, screen)}`,
        { details: { terminal_id: terminalId, rule: d.rule } },
      );
    }
    await deps.tracker
      .waitFor(
        terminalId,
        (x) => x.status !== d.status || x.rule !== d.rule,
        Math.min(remaining, 1000),
      )
      .catch((e: unknown) => {
        if (!(e instanceof CaoError && e.code === 'TIMEOUT')) throw e;
      });
  }
}

/** Records that the CLI finished starting; the ledger delivers only to such terminals. */
export async function markReady(deps: CoreDeps, terminalId: string): Promise<void> {
  const t = await deps.store.getTerminal(terminalId);
  if (!t || t.readyAt) return;
  await deps.store.updateTerminal(terminalId, { readyAt: isoNow() });
  deps.log.info('the agent is ready', {
    terminal: terminalId,
    provider: t.provider,
    afterLaunchMs: Date.now() - Date.parse(t.createdAt),
  });
  deps.bus.publish({ type: 'terminal.ready', terminal_id: terminalId, session: t.session });
}

/**
 * An agent given cao's MCP tools connects to them in the background; a task typed before the
 * CLI listed them would reach the model without them. cao-server sees the CLI's `tools/list`
 * at `/mcp` (directly, or through the stdio bridge); wait for it, at most `timing.mcpGraceMs`
 * after the CLI showed its ready screen (`since`; a broken MCP setup must not block the agent
 * forever, and a slow start on a busy machine must not use the grace up before). Returns
 * early when the screen stops being ready: a start-up dialog came up (Codex asks whether to
 * trust the folder only after showing its prompt, and connects its MCP servers after the
 * answer), which the caller answers before waiting again.
 */
export async function awaitMcp(
  deps: CoreDeps,
  terminalId: string,
  deadline: number,
  since: number,
): Promise<void> {
  for (;;) {
    const t = await deps.store.getTerminal(terminalId);
    if (!t || !mcpPending(t, deps.timing.mcpGraceMs, Date.now(), since)) return;
    const shown = deps.tracker.get(terminalId);
    if (shown && !isReadyStatus(shown.status)) return;
    const until = Math.min(deadline, since + deps.timing.mcpGraceMs);
    if (Date.now() >= until) {
      deps.log.warn('cao-mcp-server did not report ready; going on without waiting', {
        terminalId,
      });
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(until - Date.now(), 1000));
      const stop = deps.bus.subscribe((e) => {
        if (e.type === 'terminal.mcp_ready' && e.terminal_id === terminalId) done();
        // a dialog came up: the caller answers it first
        if (
          e.type === 'terminal.status' &&
          e.terminal_id === terminalId &&
          !isReadyStatus(e.status)
        )
          done();
      });
      function done(): void {
        clearTimeout(timer);
        stop();
        resolve();
      }
    });
  }
}

/**
 * How long a ready screen must stay ready: the provider's settle (Codex), unless the CLI will
 * list cao's MCP tools, which it does only after its start-up dialogs; the timing's, when set
 * (tests), for every CLI.
 */
export async function readySettle(
  deps: CoreDeps,
  terminalId: string,
  provider: Provider,
): Promise<number> {
  if (deps.timing.readySettleMs !== undefined) return deps.timing.readySettleMs;
  if (!provider.readySettleMs) return 0;
  const t = await deps.store.getTerminal(terminalId);
  return t?.mcpExpected ? 0 : provider.readySettleMs;
}

/** The terminal still waits for its CLI to list cao's tools, within the grace period that
 *  began at `since` (its ready screen; its creation by default). */
export function mcpPending(
  t: TerminalRecord,
  graceMs: number,
  now = Date.now(),
  since = Date.parse(t.createdAt),
): boolean {
  return t.mcpExpected && t.mcpReadyAt === null && now < since + graceMs;
}

function describe(d: Detection, screen: string): string {
  const tail = screen
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '')
    .slice(-6)
    .join(' | ');
  return `${d.evidence.join(' / ') || d.rule}${tail ? ` — screen: ${tail}` : ''}`;
}

async function discardTerminal(
  deps: CoreDeps,
  record: TerminalRecord,
  ref: PaneRef,
  place: Placement,
  wholeSession: boolean,
): Promise<void> {
  deps.tracker.untrack(record.id);
  try {
    if (wholeSession) await deps.runtime.killSession(ref.session);
    else await deps.runtime.killWindow(ref.paneId);
  } catch (e) {
    deps.log.warn('cleanup after failed start: kill failed', { error: errorMessage(e) });
  }
  await deps.store.deleteTerminal(record.id).catch(() => {});
  if (wholeSession) await deps.store.deleteSession(ref.session).catch(() => {});
  // the terminal's files, and its launch file if the agent never got to read it
  await place.removeTerminalFiles(record.id).catch(() => {});
  // a worker that never started leaves no worktree behind
  const worktree = await deps.store.getWorktree(record.id).catch(() => undefined);
  if (worktree) await destroyWorktree(deps, worktree).catch(() => {});
}

/** The providers whose CLI is found where the terminal would run (for a not-installed error). */
async function installedProviders(
  place: { findBinary(binary: string, path: string | undefined): Promise<string | undefined> },
  path: string | undefined,
): Promise<string[]> {
  const all = Object.values(providers);
  const found = await Promise.all(all.map((p) => place.findBinary(p.binary, path)));
  return all.filter((_, i) => found[i] !== undefined).map((p) => p.id);
}
