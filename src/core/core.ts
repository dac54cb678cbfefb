/**
 * The core, assembled: tracker + terminal and session services over the given edges.
 */
import type { CoreDeps } from './deps.js';
import { EventBus } from './events.js';
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
  return {
    deps,
    bus,
    tracker,
    terminals,
    sessions,
    async close() {
      tracker.close();
      await edges.runtime.close();
    },
  };
}
