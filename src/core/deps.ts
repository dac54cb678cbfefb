/** What the core needs from the edges, wired once in `server/main.ts` (or a test). */
import type { Logger } from '../lib/log.js';
import type { CaoPaths } from '../lib/paths.js';
import type { TerminalRuntime } from '../runtime/runtime.js';
import type { Store } from '../store/store.js';
import type { BinaryLookup } from './binaries.js';
import type { EventBus } from './events.js';
import type { Placement } from './placement.js';
import type { StatusTracker } from './tracker.js';

export interface CoreDeps {
  runtime: TerminalRuntime;
  store: Store;
  bus: EventBus;
  tracker: StatusTracker;
  paths: CaoPaths;
  log: Logger;
  /** The environment agents start from (cao-server's own). */
  agentEnv: Readonly<NodeJS.ProcessEnv>;
  /** The user's home directory (profile dirs, `~` in paths). */
  home: string;
  /** This server's API base URL, handed to agents and their MCP servers. */
  apiUrl: string;
  isRoot: boolean;
  /** When running as root: a directory only root can write to, up to `/`
   *  (lib/root-only-dir.ts); per-terminal files a CLI accepts only from there go in it. */
  rootOnlyDir?: string | undefined;
  findBinary: BinaryLookup;
  /** How an agent CLI starts cao-mcp-server (asked at each launch that needs it): usually this
   *  Node and dist/mcp/main.js. */
  mcpServerCommand: () => { command: string; args: readonly string[] };
  /**
   * How agents on this machine reach cao's MCP tools: `http` (cao-server's `/mcp`) when their
   * CLI can, else the stdio bridge; `stdio`: always the bridge (CAO_MCP_TRANSPORT=stdio).
   * Agents on remote hosts always use HTTP (there is no cao there to run the bridge).
   */
  mcpTransport: 'http' | 'stdio';
  timing: CoreTiming;
  /** Where a terminal runs ('local', a host's name, 'auto'; hosts.ts). Set by createCore. */
  placement: (host: string | undefined) => Promise<Placement>;
  /** Removes a terminal's files where it runs. Set by createCore. */
  removeTerminalFiles: (host: string, terminalId: string) => Promise<void>;
}

export interface CoreTiming {
  /** How long a CLI may take to show its input prompt after launch. */
  initTimeoutMs: number;
  /** How long a start-up dialog we cannot answer may stay before launch fails. */
  unansweredDialogMs: number;
  /** Waiting for a paste to show up in the input box before pressing Enter anyway. */
  echoTimeoutMs: number;
  /** Waiting for an Enter to take (the message leaves the input box) before pressing again. */
  submitTimeoutMs: number;
  submitAttempts: number;
  /** How long input waits for cao-mcp-server to report the agent's CLI connected. */
  mcpGraceMs: number;
  /**
   * How long a ready screen must stay ready before a start-up counts as done, for every CLI
   * (tests); unset: each provider's own `readySettleMs` (none for most).
   */
  readySettleMs?: number;
  /** How long each try at answering a prompt waits to see the prompt go away. */
  answerConfirmMs: number;
}

export const DEFAULT_TIMING: CoreTiming = {
  initTimeoutMs: 90_000,
  unansweredDialogMs: 15_000,
  echoTimeoutMs: 3_000,
  submitTimeoutMs: 3_000,
  submitAttempts: 3,
  mcpGraceMs: 20_000,
  answerConfirmMs: 1500,
};
