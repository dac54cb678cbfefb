/** The cao-server API as the dashboard uses it (same origin: no base URL, no credentials). */

export type Status =
  'idle' | 'processing' | 'completed' | 'waiting_user_answer' | 'error' | 'unknown';

export interface Terminal {
  id: string;
  name: string;
  provider: string;
  session_name: string;
  agent_profile: string | null;
  caller_id: string | null;
  status: Status;
  last_active: string;
  created_at: string;
  working_directory: string | null;
  model: string | null;
  /** The machine it runs on: 'local', or a remote host's name (`cao host add`). */
  host: string;
  /** While waiting_user_answer: the question and its options, when the screen shows them. */
  question?: { text: string; options: string[] } | null;
}

export interface SessionSummary {
  id: string;
  name: string;
  status: 'active' | 'detached';
  working_directory: string | null;
  agent_profile: string | null;
  created_at: string | null;
  terminal_count: number;
}

export interface Session {
  session: SessionSummary;
  terminals: Terminal[];
}

export type DeliveryState = 'pending' | 'submitting' | 'delivered' | 'failed';

export interface Message {
  id: number;
  sender_id: string;
  receiver_id: string;
  message: string;
  orchestration_type: string;
  status: DeliveryState;
  attempts: number;
  error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

export interface TurnStart {
  terminal_id: string;
  session: string;
  turn_id: number;
  message_id: number;
  state: DeliveryState;
}

export interface Profile {
  name: string;
  description?: string;
  provider?: string;
  source: string;
}

export interface Provider {
  name: string;
  label: string;
  binary: string;
  installed: boolean;
  version: string | null;
}

export interface Detection {
  terminal_id: string;
  provider: string;
  status: Status;
  rule: string;
  evidence: string[];
  gone: boolean;
}

/** A machine agents run on (GET /hosts); `local` is the one cao-server runs on. */
export interface Host {
  name: string;
  destination: string;
  state: 'up' | 'down' | 'connecting';
  reachable: boolean;
  /** Why it is not reachable, and what to do. */
  problem: string | null;
  tmux: string | null;
  clis: { provider: string; binary: string; path: string; version: string }[];
  /** Free memory in bytes. */
  mem_available: number | null;
  agents: number;
  max_agents: number | null;
  labels: Record<string, string>;
  /** What works less well there, and what to do about it. */
  notes: string[];
}

export interface Health {
  status: string;
  version: string;
  terminal_backend: string;
}

export interface Worktree {
  terminal_id: string;
  session: string;
  agent_profile: string | null;
  branch: string;
  path: string;
  repo: string;
  base_commit: string;
  created_at: string;
  worker: 'running' | 'gone';
  changed_files: number;
}

export interface WorktreeDiff {
  terminal_id: string;
  branch: string;
  base_commit: string;
  files: { status: string; path: string }[];
  diff: string;
  truncated: boolean;
}

/** The sender name the dashboard uses for inbox messages. */
export const DASHBOARD_SENDER = 'dashboard';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const detail =
      typeof data === 'object' && data !== null && 'detail' in data
        ? String(data.detail)
        : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, detail);
  }
  return data as T;
}

const enc = encodeURIComponent;

export interface WhoAmI {
  role: 'owner' | 'viewer' | 'terminal';
  terminal_id: string | null;
  auth: boolean;
  /** cao-server's home directory (paths below it are shown as ~/…). */
  home_dir?: string;
}

/** Tokens and cost (the server's core/usage.ts); cost null when unknown. */
export interface Usage {
  total_tokens: number;
  cost_usd: number | null;
  replies: number;
}

export interface SessionUsage extends Usage {
  terminals: (Usage & { terminal_id: string })[];
}

export const api = {
  health: () => call<Health>('GET', '/health'),
  /** Who this browser is logged in as; 401 when it is not (open a link from `cao dashboard`). */
  whoami: () => call<WhoAmI>('GET', '/auth/whoami'),
  sessions: () => call<SessionSummary[]>('GET', '/sessions'),
  session: (name: string) => call<Session>('GET', `/sessions/${enc(name)}`),
  createSession: (body: {
    agent_profile: string;
    provider?: string;
    session_name?: string;
    working_directory?: string;
    yolo?: boolean;
  }) => call<Terminal>('POST', '/sessions', body),
  deleteSession: (name: string) =>
    call<{ success: boolean; deleted: string[]; errors: string[] }>(
      'DELETE',
      `/sessions/${enc(name)}`,
    ),
  sessionUsage: (name: string) => call<SessionUsage>('GET', `/sessions/${enc(name)}/usage`),
  terminal: (id: string) => call<Terminal>('GET', `/terminals/${enc(id)}`),
  detect: (id: string) => call<Detection>('GET', `/terminals/${enc(id)}/detect`),
  lastOutput: (id: string) =>
    call<{ output: string; found: boolean }>('GET', `/terminals/${enc(id)}/output?mode=last`),
  fullOutput: (id: string) =>
    call<{ output: string }>('GET', `/terminals/${enc(id)}/output?mode=full`),
  /** Starts a turn (see the server's core/turns.ts): `now` is refused with the reason when
   *  the agent cannot take it at once; `queue` delivers it when the agent is ready. */
  sendMessage: (id: string, message: string, mode: 'now' | 'queue' = 'now') =>
    call<TurnStart>('POST', `/terminals/${enc(id)}/messages`, { message, mode }),
  answer: (id: string, answer: string) =>
    call<{ success: boolean }>('POST', `/terminals/${enc(id)}/answer`, { answer }),
  inbox: (id: string) => call<Message[]>('GET', `/terminals/${enc(id)}/inbox/messages?limit=100`),
  allMessages: () => call<Message[]>('GET', '/inbox/messages?limit=500'),
  sendToInbox: (id: string, message: string) =>
    call<{ message_id: number; status: DeliveryState }>(
      'POST',
      `/terminals/${enc(id)}/inbox/messages`,
      { sender_id: DASHBOARD_SENDER, message },
    ),
  profiles: () => call<Profile[]>('GET', '/agents/profiles'),
  hosts: () => call<Host[]>('GET', '/hosts'),
  providers: () => call<Provider[]>('GET', '/agents/providers'),
  worktrees: () => call<Worktree[]>('GET', '/worktrees'),
  worktreeDiff: (id: string) => call<WorktreeDiff>('GET', `/worktrees/${enc(id)}/diff`),
  mergeWorktree: (id: string) =>
    call<{ merged: boolean; message: string }>('POST', `/worktrees/${enc(id)}/merge`),
  removeWorktree: (id: string) => call<{ success: boolean }>('DELETE', `/worktrees/${enc(id)}`),
};

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
