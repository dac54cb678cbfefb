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
  createdAt: string;
  lastActive: string;
}

export type TerminalPatch = Partial<Pick<TerminalRecord, 'status' | 'lastActive' | 'windowName'>>;

export interface Store {
  insertSession(s: SessionRecord): Promise<void>;
  getSession(name: string): Promise<SessionRecord | undefined>;
  listSessions(): Promise<SessionRecord[]>;
  /** Deletes the session and its terminals. */
  deleteSession(name: string): Promise<void>;

  insertTerminal(t: TerminalRecord): Promise<void>;
  getTerminal(id: string): Promise<TerminalRecord | undefined>;
  listTerminals(filter?: { session?: string }): Promise<TerminalRecord[]>;
  updateTerminal(id: string, patch: TerminalPatch): Promise<void>;
  deleteTerminal(id: string): Promise<void>;

  close(): void;
}
