/** The JSON shapes the API returns, built from store records and live statuses. */
import type { Detection, Status } from '../providers/provider.js';
import type { MessageRecord, TerminalRecord } from '../store/store.js';

/** Terminal JSON (the original CAO's response model, plus working_directory and model). */
export interface TerminalView {
  id: string;
  name: string;
  provider: string;
  session_name: string;
  agent_profile: string | null;
  caller_id: string | null;
  allowed_tools: string[] | null;
  engine: string | null;
  shell_command: string | null;
  group: string[] | null;
  metadata: Record<string, unknown> | null;
  status: Status;
  last_active: string;
  created_at: string;
  working_directory: string | null;
  model: string | null;
  /** While waiting_user_answer: the question and its options, when the screen shows them. */
  question: Detection['question'] | null;
  /** The machine it runs on: 'local', or a remote host's name. */
  host: string;
}

export function terminalView(
  t: TerminalRecord,
  d: Pick<Detection, 'status' | 'question'>,
): TerminalView {
  const status = d.status;
  return {
    id: t.id,
    name: t.windowName,
    provider: t.provider,
    session_name: t.session,
    agent_profile: t.agentProfile,
    caller_id: t.callerId,
    allowed_tools: t.allowedTools,
    engine: null,
    shell_command: null,
    group: null,
    metadata: null,
    status,
    last_active: t.lastActive,
    created_at: t.createdAt,
    working_directory: t.workingDirectory,
    model: t.model,
    question: status === 'waiting_user_answer' ? (d.question ?? null) : null,
    host: t.host,
  };
}

/** A ledger entry as the API returns it (`status` is the delivery state, as in the original). */
export interface MessageView {
  id: number;
  sender_id: string;
  receiver_id: string;
  message: string;
  orchestration_type: string;
  status: string;
  attempts: number;
  error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

export function messageView(m: MessageRecord): MessageView {
  return {
    id: m.id,
    sender_id: m.senderId,
    receiver_id: m.receiverId,
    message: m.message,
    orchestration_type: m.orchestrationType,
    status: m.state,
    attempts: m.attempts,
    error: m.error,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    delivered_at: m.deliveredAt,
  };
}
