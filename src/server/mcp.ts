/**
 * cao's MCP tools, served by cao-server itself at `/mcp` over the official SDK's Streamable
 * HTTP transport (stateless: each request gets its own server, so nothing lives per agent).
 * The caller is whoever the request's credential says (auth.ts): a terminal's token acts as
 * that terminal, and cannot act as another. The owner may name the terminal it acts as in the
 * `X-Cao-Terminal` header (the shell twins, tests).
 *
 * Tool names, parameters and result shapes are the original CAO's (reference §6.1). A tool
 * never throws: a failure is a result with `isError`, which is what the calling agent should
 * see. When the agent's CLI lists the tools, the terminal is marked ready for its first task.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Core } from '../core/core.js';
import { MCP_BRIDGE_HEADER } from '../lib/config.js';
import { errorMessage } from '../lib/errors.js';
import { isTerminalId } from '../lib/names.js';
import { caoVersion } from '../lib/version.js';
import { principalOf } from './auth.js';
import type { AppDeps } from './deps.js';

export interface McpToolOptions {
  /** CAO_ENABLE_WORKING_DIRECTORY: let handoff/assign choose the worker's directory. */
  workingDirectoryParam: boolean;
}

type ToolResult = { content: { type: 'text'; text: string }[]; isError?: boolean };

const result = (value: object & { success?: boolean }): ToolResult => ({
  content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
  ...(value.success === false ? { isError: true } : {}),
});

const HANDOFF_TEXT =
  'Hand a task to a new worker agent and wait for its answer (blocking). Starts the worker from the agent profile, ' +
  'sends the task, waits until it finishes, returns its last answer, and removes the worker. Use it when you need ' +
  'the result before going on.';
const ASSIGN_TEXT =
  'Give a task to a new worker agent and return at once (non-blocking). The worker starts in the background and ' +
  'sends its result back to you with send_message; it arrives as a new message in your input. Call delete_terminal ' +
  'when you no longer need the worker.';

/**
 * An MCP server whose tools act as terminal `callerId`. `gone`: aborts when the caller's
 * connection closes (a handoff's answer then goes to the caller's inbox).
 */
export function createToolServer(
  core: Core,
  callerId: string,
  o: McpToolOptions,
  gone?: AbortSignal,
): McpServer {
  const server = new McpServer({ name: 'cao-mcp-server', version: caoVersion() });
  const guard = async (fn: () => Promise<object & { success?: boolean }>): Promise<ToolResult> => {
    try {
      return result(await fn());
    } catch (e) {
      const failure: { success: boolean; message: string } = {
        success: false,
        message: errorMessage(e),
      };
      return result(failure);
    }
  };
  const task = {
    agent_profile: z.string().describe('Worker profile, e.g. developer or reviewer'),
    message: z.string().describe('The complete task; the worker cannot see your conversation'),
    model: z.string().optional().describe('Model override for the worker'),
    host: z
      .string()
      .optional()
      .describe(
        "Where the worker runs: 'local', a host's name (see cao host list), or 'auto' (the host with the most free memory). Default: the profile's host, else the caller's own host",
      ),
    use_worktree: z
      .boolean()
      .optional()
      .describe(
        "Run the worker in its own git worktree, on a new branch made from your repository's HEAD (your tree must have no uncommitted changes); its changes are merged later with 'cao worktree merge'. Default: the profile's use_worktree",
      ),
    max_cost: z
      .number()
      .positive()
      .optional()
      .describe(
        "Budget in USD: once the worker has cost this much, cao holds new messages to it. Default: the profile's max_cost",
      ),
    max_tokens: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("Budget in tokens, the same way. Default: the profile's max_tokens"),
  };
  const timeout = {
    timeout: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(600)
      .describe('Seconds to wait (1-3600, default 600)'),
  };
  const request = (a: {
    agent_profile: string;
    message: string;
    model?: string | undefined;
    host?: string | undefined;
    use_worktree?: boolean | undefined;
    working_directory?: string | undefined;
    max_cost?: number | undefined;
    max_tokens?: number | undefined;
  }) => ({
    agentProfile: a.agent_profile,
    message: a.message,
    model: a.model,
    host: a.host || undefined,
    useWorktree: a.use_worktree,
    workingDirectory: a.working_directory,
    budget: { maxCostUsd: a.max_cost, maxTokens: a.max_tokens },
  });
  const handoff = (a: Parameters<typeof request>[0] & { timeout: number }, signal: AbortSignal) =>
    guard(() =>
      core.tools.handoff(
        callerId,
        { ...request(a), timeoutS: a.timeout },
        gone ? AbortSignal.any([signal, gone]) : signal,
      ),
    );
  const assign = (a: Parameters<typeof request>[0]) =>
    guard(() => core.tools.assign(callerId, request(a)));
  // the working_directory parameter exists only when CAO_ENABLE_WORKING_DIRECTORY is on, as in
  // the original: by default workers start where their supervisor is
  if (o.workingDirectoryParam) {
    const wd = {
      working_directory: z
        .string()
        .optional()
        .describe('Directory the worker runs in (default: yours)'),
    };
    server.registerTool(
      'handoff',
      { description: HANDOFF_TEXT, inputSchema: { ...task, ...timeout, ...wd } },
      (a, extra) => handoff(a, extra.signal),
    );
    server.registerTool(
      'assign',
      { description: ASSIGN_TEXT, inputSchema: { ...task, ...wd } },
      (a) => assign(a),
    );
  } else {
    server.registerTool(
      'handoff',
      { description: HANDOFF_TEXT, inputSchema: { ...task, ...timeout } },
      (a, extra) => handoff(a, extra.signal),
    );
    server.registerTool('assign', { description: ASSIGN_TEXT, inputSchema: task }, (a) =>
      assign(a),
    );
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
    (a) => guard(() => core.tools.sendMessage(callerId, a.message, a.receiver_id)),
  );
  server.registerTool(
    'answer_user_prompt',
    {
      description:
        'Answer the question or permission prompt a worker terminal is showing (its status is waiting_user_answer): ' +
        'an option number, the option text, yes or no, or free text.',
      inputSchema: {
        terminal_id: z.string().describe('The waiting terminal'),
        answer: z.string().min(1).max(4000).describe('An option number or text, yes/no, or text'),
      },
    },
    (a) => guard(() => core.tools.answer(a.terminal_id, a.answer)),
  );
  server.registerTool(
    'delete_terminal',
    {
      description:
        'Close a worker terminal you started (its window is killed; its scrollback is kept in the logs).',
      inputSchema: { terminal_id: z.string().describe('The terminal to close') },
    },
    (a) => guard(() => core.tools.deleteTerminal(a.terminal_id)),
  );
  return server;
}

/** JSON-RPC methods in a request body (one message or a batch). */
function methodsOf(body: unknown): string[] {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages
    .map((m) =>
      typeof m === 'object' && m !== null ? (m as { method?: unknown }).method : undefined,
    )
    .filter((m): m is string => typeof m === 'string');
}

export function mcpRoutes(deps: AppDeps) {
  const { core } = deps;
  return new Hono().on(['POST', 'GET', 'DELETE'], '/mcp', async (c) => {
    const p = principalOf(c);
    const named = c.req.header('x-cao-terminal');
    const caller =
      p?.role === 'terminal'
        ? p.terminalId
        : p?.role === 'owner' && named && isTerminalId(named)
          ? named
          : undefined;
    if (!caller) {
      return c.json(
        {
          detail:
            "cao's MCP tools act as a terminal: use that terminal's token (the agent's MCP settings carry it), or, with the owner token, name the terminal in the X-Cao-Terminal header.",
          code: 'FORBIDDEN',
        },
        403,
      );
    }
    await core.terminals.record(caller);
    const body: unknown =
      c.req.method === 'POST' ? await c.req.json().catch(() => undefined) : undefined;
    const server = createToolServer(core, caller, deps.mcp, c.req.raw.signal);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      const res = await transport.handleRequest(c.req.raw, { parsedBody: body });
      // the agent's CLI has the tools now: its first task may be typed (launcher.awaitMcp)
      if (res.ok && methodsOf(body).includes('tools/list')) {
        await core.terminals.markMcpReady(
          caller,
          c.req.header(MCP_BRIDGE_HEADER) ? 'stdio' : 'http',
        );
      }
      return res;
    } finally {
      void server.close();
    }
  });
}
