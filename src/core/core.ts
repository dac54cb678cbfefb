/**
 * The core, assembled: tracker + terminal and session services over the given edges.
 */
import type { CoreDeps } from './deps.js';
import { envFlag } from '../lib/config.js';
import { EventBus } from './events.js';
import { Ledger } from './ledger.js';
import { Orchestrator } from './orchestration.js';
import { SessionService } from './sessions.js';
import { TerminalService } from './terminals.js';
import { StatusTracker } from './tracker.js';

export type CoreEdges = Omit<CoreDeps, 'tracker' | 'bus'> & { bus?: EventBus };

export interface Core {
  deps: CoreDeps;
  bus: EventBus;
  tracker: StatusTracker;
  terminals: TerminalService;
  sessions: SessionService;
  ledger: Ledger;
  orchestrator: Orchestrator;
  close(): Promise<void>;
}

export function createCore(edges: CoreEdges): Core {
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
  const deps: CoreDeps = { ...edges, bus, tracker };
  const terminals = new TerminalService(deps);
  const sessions = new SessionService(deps, terminals);
  const ledger = new Ledger(deps, terminals, {
    injectSender: envFlag(edges.agentEnv, 'CAO_ENABLE_SENDER_ID_INJECTION', true),
  });
  const orchestrator = new Orchestrator(deps, sessions, terminals, ledger);
  return {
    deps,
    bus,
    tracker,
    terminals,
    sessions,
    ledger,
    orchestrator,
    async close() {
      ledger.stop();
      tracker.close();
      await edges.runtime.close();
    },
  };
}
