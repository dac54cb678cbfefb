/**
 * The store seam: everything cao remembers across restarts. SQLite today
 * (`sqlite-store.ts`, also used in-memory by tests); a shared database later would implement
 * the same interface, which is why every method returns a Promise.
 */
import type { Status } from '../providers/provider.js';

export interface SessionRecord {
  name: string;
  workingDirectory: string | null;
  /** `--env` values forwarded to every terminal of the session. */
  env: Record<string, string>;
  createdAt: string;
}

export interface TerminalRecord {
  id: string;
  session: string;
  windowName: string;
  provider: string;
  agentProfile: string | null;
  workingDirectory: string | null;
  /** CAO tool vocabulary; null = unrestricted. */
  allowedTools: string[] | null;
  /** The terminal that created this one (handoff/assign), for `send_message` replies. */
  callerId: string | null;
  model: string | null;
  /** Last status cao saw; the live one comes from the tracker. */
  status: Status;
  /** The agent was given cao-mcp-server; input waits until the CLI has listed its tools. */
  mcpExpected: boolean;
  /** When cao-mcp-server reported that the CLI listed its tools. */
  mcpReadyAt: string | null;
  /** When the CLI finished starting (start-up dialogs answered, prompt shown and steady). */
  readyAt: string | null;
  /** Where it runs: 'local' or a remote host's name. */
  host: string;
  /** Its pane and window in the runtime (host-qualified ids), so a terminal on a host that
   *  is down when cao-server starts is still tracked, and read once the host is back. */
  paneId: string | null;
  windowId: string | null;
  /** SHA-256 (hex) of the terminal's secret token (its identity at /mcp and the API); the
   *  token itself is never stored. */
  tokenHash: string | null;
  /** The agent CLI's own conversation id, when cao chose or learned it (resume). */
  conversationId?: string | null;
  createdAt: string;
  lastActive: string;
}

/** A terminal of a session that ended (shut down, or lost with its tmux server), kept so
 *  `cao session resume` can start it again where it was, continuing its conversation. */
export interface ResumableTerminal {
  terminalId: string;
  session: string;
  agentProfile: string | null;
  provider: string;
  workingDirectory: string | null;
  model: string | null;
  allowedTools: string[] | null;
  callerId: string | null;
  host: string;
  conversationId: string | null;
  /** The session's `--env` values. */
  sessionEnv: Record<string, string>;
  createdAt: string;
  endedAt: string;
  /** 'shutdown' or 'lost' (its tmux session was gone when cao-server started). */
  reason: string;
}

/** Delivery states: pending → submitting → delivered, or failed with a reason. */
export type MessageState = 'pending' | 'submitting' | 'delivered' | 'failed';
/** `user`: typed by a person or a script (`cao session send`): pasted as it is, with no footer
 *  or marker, so slash commands and `@file` mentions keep working. */
export type OrchestrationType = 'send_message' | 'assign' | 'handoff' | 'notice' | 'user';

export interface MessageRecord {
  id: number;
  senderId: string;
  receiverId: string;
  message: string;
  orchestrationType: OrchestrationType;
  state: MessageState;
  attempts: number;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
  /** While set and in the future, the message waits (retry backoff). */
  nextAttemptAt: string | null;
}

export interface NewMessage {
  senderId: string;
  receiverId: string;
  message: string;
  orchestrationType: OrchestrationType;
}

export type MessagePatch = Partial<
  Pick<MessageRecord, 'state' | 'attempts' | 'error' | 'deliveredAt' | 'nextAttemptAt'>
>;

export interface MessageFilter {
  receiverId?: string;
  senderId?: string;
  states?: MessageState[];
  types?: OrchestrationType[];
  limit?: number;
}

export type TerminalPatch = Partial<
  Pick<
    TerminalRecord,
    | 'status'
    | 'lastActive'
    | 'windowName'
    | 'mcpReadyAt'
    | 'readyAt'
    | 'paneId'
    | 'windowId'
    | 'conversationId'
  >
>;

/** A remote machine that runs agents, reached with the user's own OpenSSH. */
export interface HostRecord {
  name: string;
  /** What ssh connects to: user@host, an alias of the ssh configuration, ssh://user@host:port. */
  destination: string;
  /** At most this many agents there (for `host: auto`); null = no limit. */
  maxAgents: number | null;
  labels: Record<string, string>;
  /** The host user's home, learned on the first connection (cao's files go under it). */
  home: string | null;
  /** The port on the host's loopback that reaches cao-server, kept across reconnects. */
  remotePort: number | null;
  createdAt: string;
}

/** A git worktree a worker runs in (`use_worktree`), kept until it is merged or removed. */
export interface WorktreeRecord {
  terminalId: string;
  session: string;
  agentProfile: string | null;
  /** `cao/<session>/<terminal>`. */
  branch: string;
  /** CAO_HOME/worktrees/<session>/<terminal>. */
  path: string;
  /** The caller's working tree the worktree was made from; merges go there. */
  repo: string;
  /** The commit (the caller's HEAD) the branch started at. */
  baseCommit: string;
  createdAt: string;
}

/** A scheduled flow (reference §8). The prompt template lives in the flow file, not here. */
export interface FlowRecord {
  name: string;
  /** cao's own copy of the flow file: CAO_HOME/flows/{name}.flow.md. */
  filePath: string;
  schedule: string;
  agentProfile: string;
  provider: string;
  /** Absolute path of the gate script, or null. */
  script: string | null;
  enabled: boolean;
  lastRun: string | null;
  /** Null while disabled. */
  nextRun: string | null;
  createdAt: string;
}

export type FlowPatch = Partial<Pick<FlowRecord, 'enabled' | 'lastRun' | 'nextRun'>>;

export type FlowTrigger = 'schedule' | 'catch-up' | 'manual';
export type FlowOutcome = 'executed' | 'skipped-busy' | 'skipped-by-script' | 'failed';

export interface NewFlowRun {
  flowName: string;
  startedAt: string;
  trigger: FlowTrigger;
  outcome: FlowOutcome;
  /** Why it was skipped or failed; null when executed. */
  reason: string | null;
  /** The session the run used (executed, or skipped because it was busy). */
  session: string | null;
  terminalId: string | null;
  /** The ledger message that carries the rendered prompt. */
  messageId: number | null;
}

export interface FlowRunRecord extends NewFlowRun {
  id: number;
}

/** The tokens and cost of one turn (the work one delivered message started), from the CLI's
 *  session log: the replies written between the message's submission and the turn's end. */
export interface TurnUsageRecord {
  messageId: number;
  terminalId: string;
  session: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** USD; null when the cost is not known (the CLI does not report it and the model is not
   *  in the price table). */
  costUsd: number | null;
  /** 'cli', 'prices' or 'mixed' (core/usage.ts); null when the cost is unknown. */
  costSource: string | null;
  replies: number;
  startedAt: string;
  endedAt: string;
}

/** A terminal's spending limit (`--max-cost`, `--max-tokens`, or the profile's). */
export interface BudgetRecord {
  terminalId: string;
  maxCostUsd: number | null;
  maxTokens: number | null;
  updatedAt: string;
}

export interface Store {
  upsertHost(h: HostRecord): Promise<void>;
  getHost(name: string): Promise<HostRecord | undefined>;
  /** Sorted by name. */
  listHosts(): Promise<HostRecord[]>;
  deleteHost(name: string): Promise<void>;

  insertSession(s: SessionRecord): Promise<void>;
  getSession(name: string): Promise<SessionRecord | undefined>;
  listSessions(): Promise<SessionRecord[]>;
  /** Deletes the session and its terminals. */
  deleteSession(name: string): Promise<void>;

  insertTerminal(t: TerminalRecord): Promise<void>;
  getTerminal(id: string): Promise<TerminalRecord | undefined>;
  /** The terminal whose token hashes to `tokenHash`. */
  terminalByTokenHash(tokenHash: string): Promise<TerminalRecord | undefined>;
  listTerminals(filter?: { session?: string }): Promise<TerminalRecord[]>;
  updateTerminal(id: string, patch: TerminalPatch): Promise<void>;
  deleteTerminal(id: string): Promise<void>;

  /** Replaces the rows of these terminals. */
  saveResumable(rows: ResumableTerminal[]): Promise<void>;
  /** Oldest session first, each session's terminals in the order they were created. */
  listResumable(session?: string): Promise<ResumableTerminal[]>;
  deleteResumable(terminalIds: string[]): Promise<void>;

  insertWorktree(w: WorktreeRecord): Promise<void>;
  getWorktree(terminalId: string): Promise<WorktreeRecord | undefined>;
  /** Oldest first. */
  listWorktrees(): Promise<WorktreeRecord[]>;
  deleteWorktree(terminalId: string): Promise<void>;

  insertMessage(m: NewMessage, now: string): Promise<MessageRecord>;
  getMessage(id: number): Promise<MessageRecord | undefined>;
  /** Newest first, unless `oldestFirst`. */
  listMessages(filter: MessageFilter, oldestFirst?: boolean): Promise<MessageRecord[]>;
  /** The oldest message for `receiverId` not yet delivered or failed (the head of its queue). */
  headMessage(receiverId: string): Promise<MessageRecord | undefined>;
  /** Receivers that have messages waiting (pending or submitting). */
  receiversWithQueue(): Promise<string[]>;
  /**
   * Moves a message to a new state only if it is in one of `from` (compare-and-set); false
   * when another writer got there first.
   */
  transitionMessage(
    id: number,
    from: MessageState[],
    patch: MessagePatch,
    now: string,
  ): Promise<boolean>;

  /** Inserts or replaces the flow (its run history stays). */
  upsertFlow(f: FlowRecord): Promise<void>;
  getFlow(name: string): Promise<FlowRecord | undefined>;
  /** Sorted by name. */
  listFlows(): Promise<FlowRecord[]>;
  updateFlow(name: string, patch: FlowPatch): Promise<void>;
  /** Deletes the flow and its run history. */
  deleteFlow(name: string): Promise<void>;
  insertFlowRun(r: NewFlowRun): Promise<FlowRunRecord>;
  /** Newest first. */
  listFlowRuns(flowName: string, limit: number): Promise<FlowRunRecord[]>;

  /** Inserts or replaces the usage of a turn. */
  saveTurnUsage(u: TurnUsageRecord): Promise<void>;
  /** A terminal's turns, newest first (at most `limit`). */
  listTurnUsage(terminalId: string, limit: number): Promise<TurnUsageRecord[]>;
  /** The usage of these turns (messages), those that have one. */
  turnUsageOf(messageIds: number[]): Promise<TurnUsageRecord[]>;

  /** Sets (or, with both limits null, removes) a terminal's budget. */
  setBudget(b: BudgetRecord): Promise<void>;
  getBudget(terminalId: string): Promise<BudgetRecord | undefined>;

  close(): void;
}
