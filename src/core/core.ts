/**
 * The core, assembled: tracker, terminals, sessions, the delivery ledger, turns and
 * orchestration over the given edges (runtime, store). Its users (the HTTP routes, flows) see
 * only these services: the runtime and the store are reached through them, never directly.
 */
import type { CoreDeps } from './deps.js';
import { envFlag } from '../lib/config.js';
import { adoptTerminals, type AdoptionReport } from './adopt.js';
import { AgentTools } from './agent-tools.js';
import { HostService, type HostOptions } from './hosts.js';
import { localPlacement } from './placement.js';
import { EventBus, type EventListener } from './events.js';
import { Ledger } from './ledger.js';
import { Orchestrator } from './orchestration.js';
import { SessionService } from './sessions.js';
import { TerminalService } from './terminals.js';
import { StatusTracker } from './tracker.js';
import { BudgetService } from './budgets.js';
import { UsageWatch } from './usage-watch.js';
import { TurnService } from './turns.js';
import { WorktreeService } from './worktrees.js';
import { ResumeService } from './resume.js';
import { startWaitingHooks } from './waiting-hooks.js';

export type CoreEdges = Omit<CoreDeps, 'tracker' | 'bus' | 'placement' | 'removeTerminalFiles'> & {
  bus?: EventBus;
  /** Remote hosts (OpenSSH): the composite runtime they join and how to reach them. Without
   *  it, terminals run on this machine only. */
  hosts?: HostOptions | undefined;
};

export interface HealthReport {
  terminal_backend: string;
  components: Record<string, string>;
}

export interface Core {
  readonly terminals: TerminalService;
  readonly sessions: SessionService;
  readonly ledger: Ledger;
  readonly turns: TurnService;
  readonly orchestrator: Orchestrator;
  /** The machines agents run on: this one and remote hosts reached with OpenSSH. */
  readonly hosts: HostService;
  /** handoff, assign, send_message, answer and delete, as a known caller (MCP, `cao agent`). */
  readonly tools: AgentTools;
  /** Workers' git worktrees: list, diff, merge, remove. */
  readonly worktrees: WorktreeService;
  /** Sessions that ended (shut down, or lost with tmux), started again with their conversations. */
  readonly resume: ResumeService;
  /** Terminals' token and cost limits (the ledger holds messages to one whose budget is spent). */
  readonly budgets: BudgetService;
  /** Live events (status changes, terminals coming and going, deliveries, turn ends). */
  subscribe(listener: EventListener): () => void;
  health(): Promise<HealthReport>;
  /** Adopts the terminals that survived a restart, then starts delivering and tracking turns. */
  start(): Promise<AdoptionReport>;
  close(): Promise<void>;
}

export function createCore(edges: CoreEdges): Core {
  return assembleCore(edges).core;
}

/** The core and the dependencies it was built on; tests of the core's own parts use both. */
export function assembleCore(edges: CoreEdges): { core: Core; deps: CoreDeps } {
  const bus = edges.bus ?? new EventBus();
  const tracker = new StatusTracker({
    runtime: edges.runtime,
    bus,
    log: edges.log,
    onStatus: (id, status) => {
      void edges.store
        .updateTerminal(id, { status, lastActive: new Date().toISOString() })
        .catch(() => {});
    },
  });
  const hostRef: { service?: HostService } = {};
  const deps: CoreDeps = {
    ...edges,
    bus,
    tracker,
    placement: (host) =>
      hostRef.service ? hostRef.service.placement(host) : Promise.resolve(localPlacement(deps)),
    removeTerminalFiles: (host, id) =>
      hostRef.service ? hostRef.service.removeTerminalFiles(host, id) : Promise.resolve(),
  };
  const hosts = new HostService(
    deps,
    edges.hosts ?? { controlDir: edges.paths.tmp, api: () => ({ host: '127.0.0.1', port: 0 }) },
  );
  hostRef.service = hosts;
  const terminals = new TerminalService(deps);
  const sessions = new SessionService(deps, terminals);
  // the ledger waits for the turn service to read a finished turn before the next delivery
  const settled = { of: (_id: string): Promise<void> => Promise.resolve() };
  const ledger = new Ledger(deps, terminals, {
    injectSender: envFlag(edges.agentEnv, 'CAO_ENABLE_SENDER_ID_INJECTION', true),
    beforeDelivery: (id) => settled.of(id),
    held: (id) => budgets.spent(id),
  });
  const budgets = new BudgetService(deps, terminals.transcripts, (id) => ledger.kick(id));
  const usageWatch = new UsageWatch(deps, terminals.transcripts);
  usageWatch.start();
  const turns = new TurnService(deps, terminals, ledger);
  settled.of = (id) => turns.settled(id);
  turns.start();
  const orchestrator = new Orchestrator(deps, sessions, terminals, ledger, turns);
  const tools = new AgentTools(deps, terminals, ledger, turns, orchestrator);
  const stopWaitingHooks = startWaitingHooks(deps, bus);
  const core: Core = {
    terminals,
    sessions,
    ledger,
    turns,
    orchestrator,
    hosts,
    tools,
    worktrees: new WorktreeService(deps),
    resume: new ResumeService(deps, sessions),
    budgets,
    subscribe: (listener) => bus.subscribe(listener),
    health: async () => ({
      terminal_backend: edges.runtime.kind,
      components: { cao: 'ok', [edges.runtime.kind]: 'ok' },
    }),
    async start() {
      // remote hosts connect in the background; their terminals are adopted as they come up
      await hosts.start();
      const report = await adoptTerminals(deps);
      await ledger.start();
      // handoffs whose callers lost their wait when the server stopped answer by message
      await tools.deliverOrphanedHandoffs();
      return report;
    },
    async close() {
      stopWaitingHooks();
      ledger.stop();
      turns.stop();
      usageWatch.stop();
      tracker.close();
      await hosts.close();
      await edges.runtime.close();
    },
  };
  return { core, deps };
}
