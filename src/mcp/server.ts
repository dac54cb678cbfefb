/**
 * The in-session MCP server: the tools a supervisor (and its workers) use to work as a team.
 * Tool names, parameters and result shapes are the original CAO's (reference §6.1). Every tool
 * calls cao-server over HTTP; this module is the only importer of the MCP SDK.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { CaoClient } from '../client/api.js';
import {
  answerUserPrompt,
  assign,
  callerId,
  deleteTerminal,
  handoff,
  sendMessage,
} from '../client/orchestrate.js';
import { caoVersion } from '../lib/version.js';

export interface McpOptions {
  client: CaoClient;
  /** This agent's terminal id (CAO_TERMINAL_ID); undefined fails each tool with a clear error. */
  terminalId: string | undefined;
  /** CAO_ENABLE_WORKING_DIRECTORY: let handoff/assign choose the worker's directory. */
  workingDirectoryParam: boolean;
}

type ToolResult = { content: { type: 'text'; text: string }[]; isError?: boolean };

const result = <T extends { success?: boolean }>(value: T): ToolResult => ({
  content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
  ...(value.success === false ? { isError: true } : {}),
});

export function createMcpServer(o: McpOptions): McpServer {
  const server = new McpServer({ name: 'cao-mcp-server', version: caoVersion() });
  const me = (): string => callerId(o.terminalId ?? '');
  const guard = async (fn: () => Promise<ToolResult>): Promise<ToolResult> => {
    try {
      return await fn();
    } catch (e) {
      return result({ success: false, message: (e as Error).message });
    }
  };
  const task = {
    agent_profile: z.string().describe('Worker profile, e.g. developer or reviewer'),
    message: z.string().describe('The complete task; the worker cannot see your conversation'),
    model: z.string().optional().describe('Model override for the worker'),
  };
  const handoffShape = {
    ...task,
    timeout: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(600)
      .describe('Seconds to wait (1-3600, default 600)'),
  };
  const wd = {
    working_directory: z
      .string()
      .optional()
      .describe('Directory the worker runs in (default: yours)'),
  };
  const handoffText =
    'Hand a task to a new worker agent and wait for its answer (blocking). Starts the worker from the agent profile, ' +
    'sends the task, waits until it finishes, returns its last answer, and removes the worker. Use it when you need ' +
    'the result before going on.';
  const assignText =
    'Give a task to a new worker agent and return at once (non-blocking). The worker starts in the background and ' +
    'sends its result back to you with send_message; it arrives as a new message in your input. Call delete_terminal ' +
    'when you no longer need the worker.';
  type HandoffArgs = {
    agent_profile: string;
    message: string;
    model?: string | undefined;
    timeout: number;
    working_directory?: string | undefined;
  };
  type AssignArgs = Omit<HandoffArgs, 'timeout'>;
  const doHandoff = (a: HandoffArgs): Promise<ToolResult> =>
    guard(async () =>
      result(
        await handoff(o.client, me(), {
          agentProfile: a.agent_profile,
          message: a.message,
          timeoutS: a.timeout,
          model: a.model,
          workingDirectory: a.working_directory,
        }),
      ),
    );
  const doAssign = (a: AssignArgs): Promise<ToolResult> =>
    guard(async () =>
      result(
        await assign(o.client, me(), {
          agentProfile: a.agent_profile,
          message: a.message,
          model: a.model,
          workingDirectory: a.working_directory,
        }),
      ),
    );
  // the working_directory parameter exists only when CAO_ENABLE_WORKING_DIRECTORY is on, as in
  // the original: by default workers start where their supervisor is
  if (o.workingDirectoryParam) {
    server.registerTool(
      'handoff',
      { description: handoffText, inputSchema: { ...handoffShape, ...wd } },
      doHandoff,
    );
    server.registerTool(
      'assign',
      { description: assignText, inputSchema: { ...task, ...wd } },
      doAssign,
    );
  } else {
    server.registerTool(
      'handoff',
      { description: handoffText, inputSchema: handoffShape },
      doHandoff,
    );
    server.registerTool('assign', { description: assignText, inputSchema: task }, doAssign);
  }

  server.registerTool(
    'send_message',
    {
      description:
        "Send a message to another terminal's inbox; it is delivered when that agent is ready for input. Without " +
        'receiver_id it goes to the terminal that started you (your supervisor).',
      inputSchema: {
        message: z.string().describe('The message'),
        receiver_id: z.string().optional().describe('Receiving terminal id (8 hex characters)'),
      },
    },
    async (a) =>
      guard(async () => result(await sendMessage(o.client, me(), a.message, a.receiver_id))),
  );

  server.registerTool(
    'answer_user_prompt',
    {
      description:
        'Answer the question or permission prompt a worker terminal is showing (its status is waiting_user_answer): ' +
        'an option number, yes or no, or free text.',
      inputSchema: {
        terminal_id: z.string().describe('The waiting terminal'),
        answer: z.string().min(1).max(4000).describe('An option number, yes/no, or text'),
      },
    },
    async (a) =>
      guard(async () => result(await answerUserPrompt(o.client, a.terminal_id, a.answer))),
  );

  server.registerTool(
    'delete_terminal',
    {
      description:
        'Close a worker terminal you started (its window is killed; its scrollback is kept in the logs).',
      inputSchema: { terminal_id: z.string().describe('The terminal to close') },
    },
    async (a) => guard(async () => result(await deleteTerminal(o.client, a.terminal_id))),
  );

  return server;
}
