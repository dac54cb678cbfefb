/**
 * The OpenAPI 3.1 document served at `/openapi.json`. A test checks that every route the app
 * registers is described here and nothing else, so the two cannot drift apart. Long because it
 * is data: one entry per route, kept in one table so the whole API reads in one place.
 */

type Schema = Record<string, unknown>;
interface Param {
  name: string;
  in: 'query' | 'path';
  required?: boolean;
  description?: string;
  schema?: Schema;
}
interface Op {
  method: 'get' | 'post' | 'delete' | 'patch';
  path: string;
  summary: string;
  tag: string;
  params?: Param[];
  body?: Schema;
  ok?: { status?: number; schema?: Schema; description?: string; contentType?: string };
  errors?: number[];
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str: Schema = { type: 'string' };
const q = (name: string, description: string, required = false, schema: Schema = str): Param => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});
const id: Param = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[a-f0-9]{8}$' },
};
const sessionName: Param = { name: 'name', in: 'path', required: true, schema: str };
const success: Schema = { type: 'object', properties: { success: { type: 'boolean' } } };
const int: Schema = { type: 'integer' };
/** A terminal's budget (core/budgets.ts). */
const budgetSchema = {
  type: 'object',
  properties: {
    terminal_id: str,
    max_cost_usd: { type: ['number', 'null'] },
    max_tokens: { type: ['integer', 'null'] },
    spent: { type: ['string', 'null'] },
  },
} satisfies Schema;
/** Usage totals (core/usage.ts). */
const usageSchema = {
  type: 'object',
  properties: {
    input_tokens: int,
    output_tokens: int,
    cache_read_tokens: int,
    cache_write_tokens: int,
    total_tokens: int,
    cost_usd: { type: ['number', 'null'] },
    cost_source: { type: ['string', 'null'], enum: ['cli', 'prices', 'mixed', null] },
    replies: int,
    terminal_id: str,
    provider: str,
    source: { type: 'string', enum: ['transcript', 'none'] },
  },
} satisfies Schema;

/** `/agent/<name>`: one of cao's MCP tools as a plain call (the caller is the credential's
 *  terminal; the owner names it with caller_id). */
function agentTool(name: string, summary: string, properties: Record<string, Schema>): Op[] {
  return [
    {
      method: 'post',
      path: `/agent/${name}`,
      summary: `${summary} (the MCP tool as a plain call; acts as the credential's terminal, or the owner's caller_id)`,
      tag: 'agent',
      body: { type: 'object', properties: { caller_id: str, ...properties } },
      ok: {
        schema: { type: 'object', properties: { success: { type: 'boolean' }, message: str } },
      },
      errors: [401, 403, 422],
    },
  ];
}

export const OPERATIONS: Op[] = [
  {
    method: 'get',
    path: '/resumable-sessions',
    summary:
      "Sessions that ended (shut down, or lost with their tmux server, e.g. after a reboot) and can be resumed: each terminal's profile, provider, directory and its CLI's conversation id",
    tag: 'sessions',
    ok: { schema: { type: 'array', items: { type: 'object' } } },
  },
  {
    method: 'post',
    path: '/sessions/{name}/resume',
    summary:
      'Start an ended session again: the same terminals (same ids, profiles, providers, directories), the conductor first, each CLI continuing its conversation where it can. `errors` lists terminals that could not start (they stay resumable)',
    tag: 'sessions',
    params: [sessionName],
    ok: { status: 201, schema: { type: 'object' } },
    errors: [400, 404, 409, 502, 504],
  },
  {
    method: 'post',
    path: '/terminals/{id}/resume',
    summary:
      'Start one terminal of an ended session again (in its session when that runs), continuing its conversation',
    tag: 'terminals',
    params: [id],
    ok: { status: 201, schema: ref('Terminal') },
    errors: [400, 404, 409, 502, 504],
  },
  {
    method: 'get',
    path: '/worktrees',
    summary:
      "The git worktrees workers run in (use_worktree): branch, path, the caller's tree it merges into, base commit, whether the worker still runs, files changed",
    tag: 'worktrees',
    ok: { schema: { type: 'array', items: ref('Worktree') } },
  },
  {
    method: 'get',
    path: '/worktrees/{id}/diff',
    summary:
      "A worker's changes: the files and unified diff from the base commit to its worktree as it is (uncommitted and new files included)",
    tag: 'worktrees',
    params: [id],
    ok: { schema: ref('WorktreeDiff') },
    errors: [400, 404],
  },
  {
    method: 'post',
    path: '/worktrees/{id}/merge',
    summary:
      "Commit what the worker left uncommitted and merge its branch into the caller's tree, then remove the worktree and branch. 409 while the worker runs, when the caller's tree has uncommitted changes, or on a conflict (the merge is aborted, the tree left as it was)",
    tag: 'worktrees',
    params: [id],
    ok: { schema: { type: 'object' } },
    errors: [400, 404, 409],
  },
  {
    method: 'delete',
    path: '/worktrees/{id}',
    summary:
      'Remove a worktree and its branch, unmerged changes included (409 while the worker runs)',
    tag: 'worktrees',
    params: [id],
    ok: { schema: success },
    errors: [400, 404, 409],
  },
  {
    method: 'get',
    path: '/hosts',
    summary:
      "The machines agents run on ('local' first, then remote hosts reached with OpenSSH), each asked now: reachable or why not, tmux, agent CLIs and versions, free memory, agents",
    tag: 'hosts',
    ok: { schema: { type: 'array', items: ref('Host') } },
  },
  {
    method: 'post',
    path: '/hosts',
    summary:
      "Add a remote host: cao connects with the user's OpenSSH in batch mode (an unknown host key is an error saying how to accept it), checks tmux there, and keeps it",
    tag: 'hosts',
    body: {
      type: 'object',
      required: ['name', 'destination'],
      properties: {
        name: { type: 'string', description: 'lowercase letters, digits, -' },
        destination: {
          type: 'string',
          description: 'user@host, an ssh alias, ssh://user@host:port',
        },
        max_agents: { type: 'integer' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    ok: { status: 201, schema: ref('Host') },
    errors: [400, 409, 422, 503],
  },
  {
    method: 'get',
    path: '/hosts/{name}',
    summary: 'One host, checked now',
    tag: 'hosts',
    params: [{ name: 'name', in: 'path', required: true, schema: str }],
    ok: { schema: ref('Host') },
    errors: [404],
  },
  {
    method: 'delete',
    path: '/hosts/{name}',
    summary: 'Remove a host (refused while agents run there, unless force=true: they are ended)',
    tag: 'hosts',
    params: [
      { name: 'name', in: 'path', required: true, schema: str },
      q('force', 'End its agents and remove it anyway', false, { type: 'boolean' }),
    ],
    errors: [400, 404, 409],
  },
  {
    method: 'post',
    path: '/mcp',
    summary:
      "cao's MCP tools (handoff, assign, send_message, answer_user_prompt, delete_terminal) over MCP Streamable HTTP, stateless, JSON responses. The caller is the credential's terminal (its token, which cao puts in the agent's MCP settings); the owner names one with X-Cao-Terminal",
    tag: 'mcp',
    ok: { description: 'A JSON-RPC response' },
    errors: [401, 403, 404],
  },
  {
    method: 'get',
    path: '/mcp',
    summary: 'MCP Streamable HTTP: no server-sent stream here (405, as the spec allows)',
    tag: 'mcp',
    errors: [401, 403, 405],
  },
  {
    method: 'delete',
    path: '/mcp',
    summary: 'MCP Streamable HTTP session end (stateless: nothing to end)',
    tag: 'mcp',
    errors: [401, 403, 405],
  },
  ...agentTool(
    'handoff',
    'Blocking delegation: start a worker, give it the task, return its answer, remove it',
    {
      agent_profile: str,
      message: str,
      timeout: { type: 'integer', description: 'Seconds (1-3600, default 600)' },
      model: str,
      provider: str,
      working_directory: str,
      host: str,
      use_worktree: {
        type: 'boolean',
        description: "Run the worker in its own git worktree made from the caller's HEAD",
      },
      max_cost: { type: 'number', description: "USD budget (default: the profile's max_cost)" },
      max_tokens: {
        type: 'integer',
        description: "Token budget (default: the profile's max_tokens)",
      },
    },
  ),
  ...agentTool('assign', 'Non-blocking delegation: the worker reports back with send_message', {
    agent_profile: str,
    message: str,
    model: str,
    provider: str,
    working_directory: str,
    host: str,
    use_worktree: {
      type: 'boolean',
      description: "Run the worker in its own git worktree made from the caller's HEAD",
    },
    max_cost: { type: 'number', description: "USD budget (default: the profile's max_cost)" },
    max_tokens: {
      type: 'integer',
      description: "Token budget (default: the profile's max_tokens)",
    },
  }),
  ...agentTool(
    'send-message',
    "Queue a message for another terminal (default: the caller's own caller)",
    { message: str, receiver_id: str },
  ),
  ...agentTool(
    'answer',
    "Answer a waiting terminal's question: an option number or text, yes/no, or text",
    {
      terminal_id: str,
      answer: str,
    },
  ),
  ...agentTool('delete', 'Close a worker terminal (its scrollback is kept)', { terminal_id: str }),
  {
    method: 'post',
    path: '/auth/login-links',
    summary:
      'A one-time dashboard login link (owner only): opening it within 5 minutes sets a session cookie (30 days)',
    tag: 'auth',
    body: {
      type: 'object',
      properties: {
        role: { type: 'string', enum: ['owner', 'viewer'], description: 'Default owner' },
      },
    },
    ok: {
      status: 201,
      schema: {
        type: 'object',
        properties: { url: str, role: str, expires_at: str },
      },
    },
    errors: [401, 403],
  },
  {
    method: 'get',
    path: '/login',
    summary: 'Opens a one-time login link: sets the dashboard session cookie and redirects to /',
    tag: 'auth',
    params: [q('code', 'The one-time code from the link', true)],
    ok: { status: 303, description: 'Redirect to the dashboard' },
    errors: [401],
  },
  {
    method: 'get',
    path: '/auth/whoami',
    summary: "The credential's role (owner, viewer, terminal) and terminal",
    tag: 'auth',
    ok: {
      schema: {
        type: 'object',
        properties: {
          role: str,
          terminal_id: { type: ['string', 'null'] },
          auth: { type: 'boolean' },
          home_dir: { type: 'string', description: "cao-server's home directory" },
        },
      },
    },
    errors: [401],
  },

  {
    method: 'get',
    path: '/health',
    summary: 'Server health',
    tag: 'server',
    ok: { schema: ref('Health') },
  },
  { method: 'get', path: '/openapi.json', summary: 'This document', tag: 'server' },
  {
    method: 'get',
    path: '/events',
    summary:
      'Live event stream (SSE): terminal.status, terminal.created/deleted, terminal.usage, session.created/deleted, message.state, turn.ended, flow.run, host.state (a remote host link down or up)',
    tag: 'server',
    params: [
      q('terminal_id', 'Only events about this terminal'),
      q('session', 'Only events about this session'),
      q('types', 'Comma-separated event types'),
    ],
    ok: {
      contentType: 'text/event-stream',
      description: 'One SSE event per change; `data` is the event JSON',
    },
  },
  {
    method: 'get',
    path: '/agents/profiles',
    summary:
      'All profiles from every source, deduplicated by name (built-in wins), with a source label',
    tag: 'agents',
    ok: { schema: { type: 'array', items: ref('ProfileEntry') } },
  },
  {
    method: 'get',
    path: '/agents/profiles/{name}',
    summary: 'One profile, with its system prompt',
    tag: 'agents',
    params: [{ name: 'name', in: 'path', required: true, schema: str }],
    errors: [400, 404],
  },
  {
    method: 'post',
    path: '/agents/profiles/install',
    summary: 'Install a profile by name or https URL (local paths only from the CLI)',
    tag: 'agents',
    body: {
      type: 'object',
      required: ['source'],
      properties: {
        source: str,
        provider: str,
        env_vars: { type: 'object', additionalProperties: str },
      },
    },
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/agents/providers',
    summary: 'Providers, their binaries, whether installed, versions, and whether verified',
    tag: 'agents',
    ok: { schema: { type: 'array', items: ref('Provider') } },
  },
  {
    method: 'post',
    path: '/sessions',
    summary: 'Start a session with its first (conductor) terminal; returns when the agent is ready',
    tag: 'sessions',
    params: [
      q('agent_profile', 'Profile name', true),
      q('provider', 'Provider id (default: the profile’s, else the default provider)'),
      q('session_name', "Session name; 'cao-' is added when missing"),
      q('working_directory', 'Absolute path (~ expanded) the agent runs in'),
      q('allowed_tools', "Comma-separated CAO tool names; '*' = skip permission prompts"),
      q('yolo', 'Skip permission prompts (same as allowed_tools=*)', false, { type: 'boolean' }),
      q('model', 'Model override'),
      q(
        'use_worktree',
        "Run in a new git worktree (branch cao/SESSION/TERMINAL) made from the working directory's HEAD",
        false,
        { type: 'boolean' },
      ),
      q('max_cost', 'Budget in USD: once spent, cao holds new messages to the agent', false, {
        type: 'number',
      }),
      q('max_tokens', 'Budget in tokens: once spent, cao holds new messages to the agent', false, {
        type: 'integer',
      }),
    ],
    body: {
      type: 'object',
      properties: { env_vars: { type: 'object', additionalProperties: str } },
    },
    ok: {
      status: 201,
      schema: ref('Terminal'),
      description:
        'The terminal, with `warnings`: one line when its CLI version is not one the compatibility matrix verified',
    },
    errors: [400, 404, 409, 422, 502, 504],
  },
  {
    method: 'get',
    path: '/sessions',
    summary:
      'Live cao sessions (503 with `lost_sessions` when the tmux server is gone: the sessions were lost with it)',
    tag: 'sessions',
    ok: { schema: { type: 'array', items: ref('Session') } },
    errors: [503],
  },
  {
    method: 'get',
    path: '/sessions/{name}',
    summary: 'A session and its terminals (503 when the tmux server it was in is gone)',
    tag: 'sessions',
    params: [sessionName],
    errors: [404, 503],
  },
  {
    method: 'delete',
    path: '/sessions/{name}',
    summary: 'Shut a session down (kills its tmux session)',
    tag: 'sessions',
    params: [sessionName],
    errors: [404],
  },
  {
    method: 'post',
    path: '/sessions/{name}/terminals',
    summary: 'Add a worker terminal to a session',
    tag: 'sessions',
    params: [
      sessionName,
      q('agent_profile', 'Profile name', true),
      q('provider', 'Provider id'),
      q('working_directory', 'Defaults to the session’s'),
      q('allowed_tools', 'Comma-separated CAO tool names'),
      q('model', 'Model override'),
      q('caller_id', 'Terminal id of the terminal that asked for this one'),
      q('use_worktree', "Run in a new git worktree made from the caller's HEAD", false, {
        type: 'boolean',
      }),
      q('max_cost', 'Budget in USD: once spent, cao holds new messages to the agent', false, {
        type: 'number',
      }),
      q('max_tokens', 'Budget in tokens: once spent, cao holds new messages to the agent', false, {
        type: 'integer',
      }),
      q(
        'initial_message',
        'A first task: the call returns at once and the task is delivered when the worker is ready (also in the JSON body)',
      ),
      q('initial_message_orchestration_type', "'assign' (default) or 'handoff'"),
    ],
    ok: {
      status: 201,
      schema: ref('Terminal'),
      description:
        'The terminal, with `warnings` (an unverified CLI version); with initial_message also `message_id`',
    },
    errors: [400, 404, 422, 502, 504],
  },
  {
    method: 'get',
    path: '/sessions/{name}/terminals',
    summary: 'Terminals of a session',
    tag: 'sessions',
    params: [sessionName],
    ok: { schema: { type: 'array', items: ref('Terminal') } },
  },
  {
    method: 'get',
    path: '/terminals/{id}',
    summary: 'A terminal with its live status',
    tag: 'terminals',
    params: [id],
    ok: { schema: ref('Terminal') },
    errors: [404, 422],
  },
  {
    method: 'delete',
    path: '/terminals/{id}',
    summary:
      'Delete a terminal (kills its window; scrollback kept in logs/terminal/{id}.scrollback)',
    tag: 'terminals',
    params: [id],
    ok: { schema: success },
    errors: [404],
  },
  {
    method: 'post',
    path: '/terminals/{id}/input',
    summary: 'Type a message and confirm the agent took it',
    tag: 'terminals',
    params: [id, q('message', 'The text (query, or JSON body field)', true)],
    ok: {
      schema: {
        type: 'object',
        properties: {
          success: { type: 'boolean' },
          enters: { type: 'integer' },
          echoed: { type: 'boolean' },
          status: str,
        },
      },
    },
    errors: [404, 409, 422, 502],
  },
  {
    method: 'post',
    path: '/terminals/{id}/key',
    summary: 'Press one key (Up, Down, Enter, Escape, C-c, …)',
    tag: 'terminals',
    params: [id, q('key', 'Key name', true)],
    ok: { schema: success },
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/terminals/{id}/output',
    summary: "The terminal's scrollback (mode=full) or the agent's last answer (mode=last)",
    tag: 'terminals',
    params: [id, q('mode', 'full or last', false, { type: 'string', enum: ['full', 'last'] })],
    ok: {
      schema: {
        type: 'object',
        properties: {
          output: str,
          mode: str,
          found: { type: 'boolean' },
          source: { type: 'string', enum: ['transcript', 'screen'] },
        },
      },
    },
    errors: [404, 422],
  },
  {
    method: 'get',
    path: '/terminals/{id}/usage',
    summary: "Tokens and cost of the terminal's conversation, from its CLI's session log",
    tag: 'terminals',
    params: [id, q('since', 'Only replies at or after this ISO time', false)],
    ok: { schema: usageSchema },
    errors: [404, 422],
  },
  {
    method: 'get',
    path: '/terminals/{id}/usage/turns',
    summary: "Tokens and cost of each of the terminal's latest turns, newest first",
    tag: 'terminals',
    params: [id, q('limit', '1..1000 (default 20)', false, { type: 'integer' })],
    ok: {
      schema: {
        type: 'array',
        items: {
          ...usageSchema,
          properties: {
            ...usageSchema.properties,
            session: str,
            turn_id: int,
            started_at: str,
            ended_at: str,
          },
        },
      },
    },
    errors: [404, 422],
  },
  {
    method: 'get',
    path: '/terminals/{id}/budget',
    summary: "The terminal's budget (max_cost_usd, max_tokens) and why it is spent, if it is",
    tag: 'terminals',
    params: [id],
    ok: { schema: budgetSchema },
    errors: [404],
  },
  {
    method: 'post',
    path: '/terminals/{id}/budget',
    summary:
      'Change the budget: a number sets a limit, null removes it; held messages are delivered once it is no longer spent',
    tag: 'terminals',
    params: [id],
    body: {
      type: 'object',
      properties: {
        max_cost_usd: { type: ['number', 'null'] },
        max_tokens: { type: ['integer', 'null'] },
      },
    },
    ok: { schema: budgetSchema },
    errors: [400, 404, 422],
  },
  {
    method: 'get',
    path: '/sessions/{name}/usage',
    summary: "Tokens and cost of a session's terminals, each and in all",
    tag: 'sessions',
    params: [sessionName, q('since', 'Only replies at or after this ISO time', false)],
    ok: {
      schema: {
        ...usageSchema,
        properties: {
          ...usageSchema.properties,
          session: str,
          terminals: { type: 'array', items: usageSchema },
        },
      },
    },
    errors: [404, 422],
  },
  {
    method: 'post',
    path: '/terminals/{id}/exit',
    summary: 'Ask the CLI to quit (its own exit command)',
    tag: 'terminals',
    params: [id],
    ok: { schema: success },
    errors: [404],
  },
  {
    method: 'post',
    path: '/terminals/{id}/mcp-ready',
    summary:
      "Called by cao-mcp-server when the agent's CLI has listed cao's tools (input waits for it)",
    tag: 'terminals',
    params: [id],
    ok: { schema: success },
    errors: [404],
  },
  {
    method: 'get',
    path: '/terminals/{id}/detect',
    summary: 'Why the terminal has its status: the rule that decided and the evidence lines',
    tag: 'terminals',
    params: [id],
    ok: { schema: ref('Detection') },
    errors: [404],
  },
  {
    method: 'get',
    path: '/terminals/{id}/working-directory',
    summary: "The agent's current directory",
    tag: 'terminals',
    params: [id],
    errors: [404],
  },
];

OPERATIONS.push(
  {
    method: 'post',
    path: '/terminals/run-step',
    summary:
      'Handoff in one call: start a worker in the caller’s session, give it the task, wait, return its answer, remove it',
    tag: 'orchestration',
    body: {
      type: 'object',
      properties: {
        agent: str,
        prompt: str,
        caller_id: str,
        session_name: str,
        provider: str,
        working_directory: str,
        model: str,
        timeout: { type: 'integer' },
        teardown: { type: 'boolean' },
      },
    },
    ok: { schema: ref('TurnOutcome') },
    errors: [400, 404, 502, 504],
  },
  {
    method: 'post',
    path: '/terminals/{id}/messages',
    summary:
      'Send a message (as it is, no footer) and start a turn. mode=now (default): only when the agent can take it at once, else 409 saying why (busy, asking, starting, gone); waits until the agent took it. mode=queue: the ledger delivers it when the agent is ready',
    tag: 'turns',
    params: [
      id,
      q('message', 'The text', true),
      q('mode', 'now (default) or queue', false, { type: 'string', enum: ['now', 'queue'] }),
      q('sender_id', 'Who sends it (default user)'),
    ],
    ok: { status: 201, schema: ref('TurnStart') },
    errors: [400, 404, 409, 422, 502],
  },
  {
    method: 'post',
    path: '/sessions/{name}/messages',
    summary:
      "The same, to the session's conductor (its first terminal) or to terminal_id in the session",
    tag: 'turns',
    params: [
      sessionName,
      q('message', 'The text', true),
      q('terminal_id', 'A terminal of the session (default: the conductor)'),
      q('mode', 'now (default) or queue', false, { type: 'string', enum: ['now', 'queue'] }),
      q('sender_id', 'Who sends it (default user)'),
    ],
    ok: { status: 201, schema: ref('TurnStart') },
    errors: [400, 404, 409, 422, 502],
  },
  {
    method: 'get',
    path: '/terminals/{id}/turns/{turn}',
    summary:
      'Where a turn is (queued, running, ended with its outcome); wait=N waits up to N s for its end',
    tag: 'turns',
    params: [
      id,
      { name: 'turn', in: 'path', required: true, schema: { type: 'integer' } },
      q('wait', 'Seconds to wait for the end (default 0)', false, { type: 'integer' }),
    ],
    ok: { schema: ref('TurnState') },
    errors: [404, 422],
  },
  {
    method: 'post',
    path: '/terminals/{id}/await',
    summary:
      'Wait until a message reached the terminal and the turn it started ended (resumable: ask again after a lost connection)',
    tag: 'turns',
    params: [
      id,
      q('turn_id', 'The turn (= the message id that started it)', false, { type: 'integer' }),
      q('message_id', 'The same as turn_id (older name)', false, { type: 'integer' }),
      q('timeout', 'Seconds (default 600)', false, { type: 'integer' }),
    ],
    ok: { schema: ref('TurnOutcome') },
    errors: [404, 422],
  },
  {
    method: 'post',
    path: '/terminals/{id}/answer',
    summary:
      'Answer the question or permission prompt the terminal shows (a number, yes/no, or text)',
    tag: 'orchestration',
    params: [id, q('answer', 'The answer', true)],
    errors: [400, 404, 409],
  },
  {
    method: 'post',
    path: '/terminals/{id}/inbox/messages',
    summary: 'Queue a message for the terminal (delivered once, in order, when it is ready)',
    tag: 'inbox',
    params: [
      id,
      q('sender_id', 'Sending terminal id (or a name)', true),
      q('message', 'The text', true),
    ],
    errors: [400, 404, 422],
  },
  {
    method: 'get',
    path: '/terminals/{id}/inbox/messages',
    summary: 'Messages to the terminal, newest first, with their delivery state',
    tag: 'inbox',
    params: [
      id,
      q('limit', '1..100 (default 10)', false, { type: 'integer' }),
      q('status', 'pending (incl. submitting), submitting, delivered or failed'),
      q(
        'orchestration_type',
        'Only this kind: send_message, assign, handoff, notice, or user (what a person typed; not listed otherwise)',
      ),
    ],
    ok: { schema: { type: 'array', items: ref('Message') } },
  },
  {
    method: 'get',
    path: '/inbox/messages',
    summary: 'The delivery ledger, filtered by sender, receiver and state',
    tag: 'inbox',
    params: [
      q('sender_id', 'Sender'),
      q('receiver_id', 'Receiver'),
      q('status', 'Delivery state'),
      q(
        'orchestration_type',
        'Only this kind: send_message, assign, handoff, notice, or user (what a person typed; not listed otherwise)',
      ),
      q('limit', '1..1000', false, { type: 'integer' }),
    ],
    ok: { schema: { type: 'array', items: ref('Message') } },
  },
  {
    method: 'get',
    path: '/inbox/messages/{mid}',
    summary: 'One message and its delivery state',
    tag: 'inbox',
    params: [{ name: 'mid', in: 'path', required: true, schema: { type: 'integer' } }],
    ok: { schema: ref('Message') },
    errors: [404],
  },
);

// flows (scheduled sessions): src/server/routes/flows.ts
const flowName: Param = {
  name: 'name',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,55}$' },
};
OPERATIONS.push(
  {
    method: 'get',
    path: '/flows',
    summary: 'Flows (scheduled agent sessions) with their last and next run',
    tag: 'flows',
    ok: { schema: { type: 'array', items: ref('Flow') } },
  },
  {
    method: 'post',
    path: '/flows',
    summary:
      'Add a flow: writes CAO_HOME/flows/{name}.flow.md. No gate script over HTTP (it would run code on this machine); use `cao flow add FILE` for that',
    tag: 'flows',
    body: {
      type: 'object',
      required: ['name', 'schedule', 'agent_profile', 'prompt_template'],
      properties: {
        name: str,
        schedule: { type: 'string', description: '5-field cron, server local time' },
        agent_profile: str,
        provider: str,
        prompt_template: str,
        force: { type: 'boolean', description: 'Replace a flow of the same name' },
      },
    },
    ok: { status: 201, schema: ref('Flow') },
    errors: [400, 404, 409, 422],
  },
  {
    method: 'post',
    path: '/flows/files',
    summary:
      "Add a flow from a flow file's text (what `cao flow add FILE` sends): checked here, copied to CAO_HOME/flows with its gate script's path made absolute. A gate script must belong to cao-server's user (or root) and not be writable by others",
    tag: 'flows',
    body: {
      type: 'object',
      required: ['text', 'source', 'base_dir'],
      properties: {
        text: { type: 'string', description: 'The flow file: YAML front matter and the prompt' },
        source: { type: 'string', description: 'Where it came from, for messages' },
        base_dir: {
          type: 'string',
          description: 'Absolute folder a relative gate script path is taken from',
        },
        force: { type: 'boolean', description: 'Replace a flow of the same name' },
      },
    },
    ok: {
      status: 201,
      schema: {
        type: 'object',
        properties: { flow: ref('Flow'), replaced: { type: 'boolean' } },
      },
    },
    errors: [400, 404, 409, 422],
  },
  {
    method: 'get',
    path: '/flows/{name}',
    summary: 'One flow, with its prompt template',
    tag: 'flows',
    params: [flowName],
    ok: { schema: ref('Flow') },
    errors: [400, 404],
  },
  {
    method: 'delete',
    path: '/flows/{name}',
    summary: 'Remove a flow, its file and its run history (its session is left alone)',
    tag: 'flows',
    params: [flowName],
    ok: { schema: success },
    errors: [400, 404],
  },
  {
    method: 'post',
    path: '/flows/{name}/load',
    summary:
      'Add (or with force, replace) the flow from CAO_HOME/flows/{name}.flow.md, the copy `cao flow add FILE` wrote',
    tag: 'flows',
    params: [flowName, q('force', 'Replace a flow of the same name', false, { type: 'boolean' })],
    ok: { status: 201, schema: ref('Flow') },
    errors: [400, 404, 409],
  },
  {
    method: 'post',
    path: '/flows/{name}/enable',
    summary: 'Enable a flow; its next run is computed from now',
    tag: 'flows',
    params: [flowName],
    errors: [400, 404],
  },
  {
    method: 'post',
    path: '/flows/{name}/disable',
    summary: 'Disable a flow (it keeps its history)',
    tag: 'flows',
    params: [flowName],
    errors: [400, 404],
  },
  {
    method: 'post',
    path: '/flows/{name}/run',
    summary:
      'Run a flow now: gate script, then a fresh session cao-flow-{name} with the rendered prompt queued for its conductor',
    tag: 'flows',
    params: [flowName],
    ok: { schema: ref('FlowRun') },
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/flows/{name}/runs',
    summary: 'Runs of a flow, newest first',
    tag: 'flows',
    params: [flowName, q('limit', '1..1000 (default 20)', false, { type: 'integer' })],
    ok: { schema: { type: 'array', items: ref('FlowRun') } },
    errors: [400, 404],
  },
);

// the dashboard and its terminal WebSocket: src/server/routes/web.ts, src/server/ws.ts
OPERATIONS.push(
  {
    method: 'get',
    path: '/',
    summary: 'The web dashboard (built into dist/web); strict Content-Security-Policy',
    tag: 'dashboard',
    ok: { contentType: 'text/html', description: 'The dashboard page' },
    errors: [404],
  },
  {
    method: 'get',
    path: '/assets/{file}',
    summary: "The dashboard's scripts and styles (content-hashed names, cached for good)",
    tag: 'dashboard',
    params: [{ name: 'file', in: 'path', required: true, schema: str }],
    ok: { contentType: 'application/octet-stream', description: 'The file' },
    errors: [404],
  },
  {
    method: 'get',
    path: '/terminals/{id}/ws',
    summary:
      'WebSocket (Upgrade: websocket): the live terminal. Server→client binary frames of terminal bytes (a snapshot first, opening with OSC 7719;cols;rows BEL, the pane size); client→server text JSON {"type":"input","data":"…"} or {"type":"resize","rows":R,"cols":C}. Close codes: 4004 no terminal, 4403 Origin not allowed (only same-origin pages or CAO_CORS_ORIGINS), 4003 bad message, 1000 terminal gone',
    tag: 'dashboard',
    params: [id],
    ok: {
      status: 101,
      contentType: 'application/octet-stream',
      description: 'Switching Protocols',
    },
    errors: [403, 426],
  },
);

const SCHEMAS: Record<string, Schema> = {
  Flow: {
    type: 'object',
    properties: {
      name: str,
      file_path: str,
      schedule: str,
      agent_profile: str,
      provider: str,
      script: { type: 'string', description: "Gate script (absolute path), or ''" },
      enabled: { type: 'boolean' },
      last_run: { type: ['string', 'null'] },
      next_run: { type: ['string', 'null'] },
      prompt_template: { type: ['string', 'null'] },
      session_name: str,
      last_outcome: {
        type: ['string', 'null'],
        enum: ['executed', 'skipped-busy', 'skipped-by-script', 'failed', null],
      },
      last_reason: { type: ['string', 'null'] },
      last_session: { type: ['string', 'null'] },
    },
  },
  FlowRun: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      flow: str,
      trigger: { type: 'string', enum: ['schedule', 'catch-up', 'manual'] },
      executed: { type: 'boolean' },
      outcome: {
        type: 'string',
        enum: ['executed', 'skipped-busy', 'skipped-by-script', 'failed'],
      },
      reason: { type: ['string', 'null'] },
      session_name: { type: ['string', 'null'] },
      terminal_id: { type: ['string', 'null'] },
      message_id: { type: ['integer', 'null'] },
      started_at: str,
      usage: {
        type: ['object', 'null'],
        description: "Tokens and cost of the run's turn (as GET /terminals/{id}/usage/turns)",
      },
    },
  },
  Message: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      sender_id: str,
      receiver_id: str,
      message: str,
      orchestration_type: str,
      status: { type: 'string', enum: ['pending', 'submitting', 'delivered', 'failed'] },
      attempts: { type: 'integer' },
      error: { type: ['string', 'null'] },
      created_at: str,
      updated_at: str,
      delivered_at: { type: ['string', 'null'] },
    },
  },
  TurnOutcome: {
    type: 'object',
    properties: {
      terminal_id: str,
      turn_id: { type: 'integer' },
      message_id: { type: 'integer' },
      outcome: {
        type: 'string',
        enum: ['completed', 'error', 'waiting_user_answer', 'interrupted', 'timeout', 'failed'],
      },
      status: { type: ['string', 'null'] },
      rule: { type: ['string', 'null'] },
      evidence: { type: 'array', items: str },
      output: { type: ['string', 'null'] },
      output_source: { type: 'string', enum: ['transcript', 'screen'] },
      question: {
        type: ['object', 'null'],
        properties: { text: str, options: { type: 'array', items: str } },
      },
      gone: { type: 'boolean' },
      error: { type: ['string', 'null'] },
      message_state: str,
    },
  },
  TurnStart: {
    type: 'object',
    properties: {
      terminal_id: str,
      session: str,
      turn_id: { type: 'integer' },
      message_id: { type: 'integer' },
      state: { type: 'string', enum: ['pending', 'submitting', 'delivered', 'failed'] },
    },
  },
  TurnState: {
    type: 'object',
    properties: {
      terminal_id: str,
      turn_id: { type: 'integer' },
      state: { type: 'string', enum: ['queued', 'running', 'ended'] },
      message_state: str,
      outcome: { oneOf: [ref('TurnOutcome'), { type: 'null' }] },
    },
  },
  Host: {
    type: 'object',
    properties: {
      name: str,
      destination: str,
      state: { type: 'string', enum: ['up', 'down', 'connecting'] },
      reachable: { type: 'boolean' },
      problem: { type: ['string', 'null'] },
      tmux: { type: ['string', 'null'] },
      clis: {
        type: 'array',
        items: {
          type: 'object',
          properties: { provider: str, binary: str, path: str, version: str },
        },
      },
      mem_available: { type: ['integer', 'null'] },
      agents: { type: 'integer' },
      max_agents: { type: ['integer', 'null'] },
      labels: { type: 'object' },
      api_port: { type: ['integer', 'null'] },
      notes: { type: 'array', items: str },
    },
  },
  Worktree: {
    type: 'object',
    properties: {
      terminal_id: str,
      session: str,
      agent_profile: { type: ['string', 'null'] },
      branch: str,
      path: str,
      repo: str,
      base_commit: str,
      created_at: str,
      worker: { type: 'string', enum: ['running', 'gone'] },
      changed_files: { type: 'integer' },
    },
  },
  WorktreeDiff: {
    type: 'object',
    properties: {
      terminal_id: str,
      branch: str,
      base_commit: str,
      files: {
        type: 'array',
        items: { type: 'object', properties: { status: str, path: str } },
      },
      diff: str,
      truncated: { type: 'boolean' },
    },
  },
  Error: {
    type: 'object',
    properties: { detail: str, code: str },
    required: ['detail'],
  },
  Health: {
    type: 'object',
    properties: {
      status: { type: 'string', enum: ['ok', 'degraded'] },
      service: str,
      version: str,
      pid: { type: 'integer', description: 'The cao-server process that answered' },
      cao_home: str,
      terminal_backend: str,
      components: {
        type: 'object',
        description:
          "`cao: ok` and the backend's state: `ok`, `gone` (no tmux server runs although cao knew sessions) or `error`",
      },
      tmux: {
        type: 'object',
        properties: { state: str, server: str, detail: { type: ['string', 'null'] } },
      },
      lost_sessions: {
        type: 'array',
        items: str,
        description: 'Sessions cao knows whose tmux session is gone',
      },
    },
  },
  Status: {
    type: 'string',
    enum: ['unknown', 'idle', 'processing', 'completed', 'waiting_user_answer', 'error'],
  },
  Terminal: {
    type: 'object',
    properties: {
      id: str,
      name: str,
      provider: str,
      session_name: str,
      agent_profile: { type: ['string', 'null'] },
      caller_id: { type: ['string', 'null'] },
      allowed_tools: { type: ['array', 'null'], items: str },
      status: ref('Status'),
      last_active: str,
      created_at: str,
      working_directory: { type: ['string', 'null'] },
      model: { type: ['string', 'null'] },
    },
  },
  Session: {
    type: 'object',
    properties: {
      id: str,
      name: str,
      status: {
        type: 'string',
        enum: ['active', 'detached'],
        description:
          "active: a person's terminal is attached to the tmux session (cao-server's own control client does not count)",
      },
      working_directory: { type: ['string', 'null'] },
      agent_profile: { type: ['string', 'null'] },
      terminal_count: { type: 'integer' },
    },
  },
  ProfileEntry: {
    type: 'object',
    properties: {
      name: str,
      source: str,
      loadable: { type: 'boolean' },
      description: str,
      duplicated_in: { type: 'array', items: str },
    },
  },
  Provider: {
    type: 'object',
    properties: {
      name: str,
      label: str,
      binary: str,
      installed: { type: 'boolean' },
      path: { type: ['string', 'null'] },
      version: { type: ['string', 'null'] },
      version_number: { type: ['string', 'null'] },
      verified: {
        type: ['boolean', 'null'],
        description: 'Whether the compatibility matrix verified this version (null: unknown)',
      },
      verified_versions: { type: 'array', items: str },
    },
  },
  Detection: {
    type: 'object',
    properties: {
      terminal_id: str,
      provider: str,
      status: ref('Status'),
      rule: str,
      evidence: { type: 'array', items: str },
    },
  },
};

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const responses: Record<string, unknown> = {
      [String(op.ok?.status ?? 200)]: {
        description: op.ok?.description ?? 'OK',
        content: {
          [op.ok?.contentType ?? 'application/json']: {
            schema: op.ok?.schema ?? { type: 'object' },
          },
        },
      },
    };
    for (const code of op.errors ?? []) {
      responses[String(code)] = {
        description: 'Error',
        content: { 'application/json': { schema: ref('Error') } },
      };
    }
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      tags: [op.tag],
      ...(op.params ? { parameters: op.params } : {}),
      ...(op.body ? { requestBody: { content: { 'application/json': { schema: op.body } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'cao-server',
      version,
      description:
        'CLI Agent Orchestrator API. Parameters may be sent in the query string (as the original CAO does) or in a JSON body.',
    },
    servers: [{ url: 'http://127.0.0.1:9889' }],
    paths,
    components: { schemas: SCHEMAS },
  };
}
