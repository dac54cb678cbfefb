/**
 * What a provider is: everything cao knows about one agent CLI, as data and pure functions
 * over screen text. No I/O here: launching, capturing and timing live in `core/`.
 */

export const STATUSES = [
  'unknown',
  'idle',
  'processing',
  'completed',
  'waiting_user_answer',
  'error',
] as const;
export type Status = (typeof STATUSES)[number];

/** A status is "ready" when the agent waits for the next message. */
export const isReadyStatus = (s: Status): boolean => s === 'idle' || s === 'completed';

export interface Detection {
  status: Status;
  /** Short name of the rule that decided, e.g. `footer-esc-to-interrupt`. */
  rule: string;
  /** The screen lines that made the rule fire (trimmed, at most a few). */
  evidence: string[];
  /** With `waiting_user_answer`: the question on the screen and its options in screen order
   *  (option N is `options[N-1]`), when the detector can read them. */
  question?: { text: string; options: string[] };
  /** With `completed`: read from an answer alone, without the CLI's end-of-turn mark, so the
   *  reply may still be streaming (Codex draws no busy line then). The tracker holds such a
   *  completion while a turn it saw start is open (see core/tracker.ts). */
  tentative?: boolean;
  /**
   * The screen (and the scrollback read with it) does not reach back to the turn's start (the
   * user's message scrolled out above a long reply), so the status is a guess: the tracker
   * reads the whole history and asks again, only then.
   */
  needsHistory?: boolean;
}

/** An MCP server the CLI starts itself and talks to over stdin/stdout. */
export interface McpStdioServer {
  type?: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * An MCP server the CLI reaches over Streamable HTTP (cao-server's `/mcp`). The bearer token is
 * given apart from the headers so that each provider can hand it over without an argument: in
 * a config file of mode 0600, or as the environment variable `bearer.env` (the provider then
 * sets it in the launch's environment, which reaches the CLI through the private launch file).
 */
export interface McpHttpServer {
  type: 'http';
  url: string;
  /** Other headers for every request (none for cao's own server). */
  headers: Record<string, string>;
  bearer?: { token: string; env: string };
}

export type McpServerSpec = McpStdioServer | McpHttpServer;

export const isHttpMcp = (s: McpServerSpec): s is McpHttpServer => s.type === 'http';

/** The headers an HTTP MCP server needs, the bearer token included (for 0600 config files). */
export function httpHeaders(s: McpHttpServer): Record<string, string> {
  return s.bearer ? { ...s.headers, Authorization: `Bearer ${s.bearer.token}` } : s.headers;
}

/** The profile fields a provider needs to build its command line. */
export interface LaunchProfile {
  name: string;
  description: string;
  systemPrompt: string;
  model?: string;
  permissionMode?: string;
  claudeConfig?: { effort?: string; fallback_model?: string };
}

export interface LaunchContext {
  terminalId: string;
  profile: LaunchProfile;
  /**
   * Skip the CLI's own permission prompts. Agents run unattended, so this is true unless the
   * profile asks for the CLI's prompts (`permissionMode`); what an agent may do is decided by
   * `allowedTools` instead, which providers enforce with their deny lists even when true.
   */
  yolo: boolean;
  /** CAO tool vocabulary allowed for this terminal; `['*']` (or null) = unrestricted. */
  allowedTools: string[] | null;
  model?: string;
  workingDirectory: string;
  /** The user's home where the agent runs (this machine's, or the remote host user's). */
  home: string;
  /** Private directory for per-terminal files (prompt, MCP config), mode 0700. */
  tmpDir: string;
  /** MCP servers to register: stdio ones with `CAO_TERMINAL_ID` already in their env, and
   *  cao's own over HTTP when the provider says it can (`mcpHttp`). */
  mcpServers: Record<string, McpServerSpec>;
  /** The environment the agent process will see (for checks such as IS_SANDBOX). */
  env: Readonly<Record<string, string>>;
  isRoot: boolean;
  /** When running as root: a private directory that only root can write to, itself and every
   *  parent (for files a CLI reads only from such a place); undefined otherwise. Files in it
   *  are named `{terminalId}.*` as in tmpDir, and removed with the terminal. */
  rootOnlyDir?: string | undefined;
}

export interface LaunchFile {
  path: string;
  content: string;
  /** File mode; defaults to 0600. */
  mode?: number;
}

export interface LaunchSpec {
  /** The program and its arguments: never a shell string. */
  argv: string[];
  /** Environment added for this CLI. */
  env?: Record<string, string>;
  /** Environment names removed for this CLI (e.g. ones that make it think it is nested). */
  unsetEnv?: string[];
  /** Files written before launch and removed when the terminal is deleted. */
  files?: LaunchFile[];
  /** A stand-in for the CLI's own home folder, brought up to date before launch, where the
   *  agent runs. */
  home?: HomeOverlay;
}

/**
 * A folder that stands in for a CLI's home (its `KIMI_CODE_HOME`) so that one file in it can
 * differ: every other entry is a symbolic link to the user's own home, so the CLI reads the
 * user's login, config and trust and writes its sessions and logs there. Kept across terminals
 * (the CLI records paths through it in the user's session index). Brought up to date before
 * each launch: entries the CLI wrote in place of a link go back to the user's home, as if the
 * CLI had written there, when it has none of that name or an older plain file (the later
 * write wins); otherwise the user's own is kept (a newer file, a folder, the user's own link).
 */
export interface HomeOverlay {
  /** The user's home of the CLI. */
  source: string;
  /** The stand-in folder (private, 0700). */
  dir: string;
  /** Folders made in `source` first, so that the CLI's first writes land in the user's home. */
  ensureDirs: string[];
  /** Files made (empty) in `source` first, for the ones the CLI appends to (an index). */
  ensureFiles: string[];
  /** Entries written rather than linked (mode 0600): their content from the user's file of
   *  that name (undefined when it has none). */
  replace: Record<string, (existing: string | undefined) => string>;
}

/** Files a provider writes when a profile is installed (e.g. `~/.kiro/agents/{name}.json`). */
export interface InstallContext {
  profile: LaunchProfile & {
    allowedTools: string[];
    mcpServers: Record<string, McpStdioServer>;
    raw: Record<string, unknown>;
  };
  /** The installed profile text (agent-context/{name}.md). */
  contextFile: string;
  /** The user's home directory. */
  home: string;
  /** CAO_HOME. */
  caoHome: string;
  /** Reads an existing file (to merge into it), undefined when absent. */
  readFile(path: string): string | undefined;
}

export interface Provider {
  readonly id: string;
  /** Human name, e.g. "Claude Code". */
  readonly label: string;
  /** The executable looked up on PATH. */
  readonly binary: string;
  /** One line telling the user how to install the binary. */
  readonly installHint: string;
  /** Arguments that print the CLI's version. */
  readonly versionArgs: readonly string[];
  /**
   * How the CLI reaches cao's MCP tools: `http` when `launch` takes an HTTP server (cao-server's
   * `/mcp`, also from remote hosts), otherwise through the stdio bridge `cao-mcp-server`.
   */
  readonly mcpTransport: 'http' | 'stdio';
  /**
   * When the CLI lists an MCP server's tools: `start` (while it starts, before its ready screen;
   * the launcher then waits for that `tools/list`), or `later` (only when the first turn needs
   * them; its ready screen is the readiness, as nothing would come before the first task).
   */
  readonly mcpListsTools: 'start' | 'later';
  /**
   * For a CLI that shows its input prompt a moment before a start-up dialog (Codex's folder
   * trust): how long its ready screen must stay ready before a start-up counts as done, when
   * the launcher has no MCP tools listing to wait for (such a CLI lists its tools only once its
   * dialogs are answered, so the listing is the readiness then). Absent: the first ready screen
   * counts (every other CLI draws its dialogs before its prompt).
   */
  readonly readySettleMs?: number;
  /**
   * Builds the command line. Pure. Throws `CaoError` for a combination the CLI would refuse,
   * with a message that says how to fix it.
   */
  launch(ctx: LaunchContext): LaunchSpec;
  /** Pure: what the rendered screen says right now. */
  detect(screen: string): Detection;
  /**
   * The tracker gives `detect` the screen with its colours and attributes (`capture-pane -e`,
   * SGR sequences kept), for CLIs whose own chrome cannot be told from quoted transcript text
   * by the text alone; `lastMessage` gets it too when cao reads the answer off the screen.
   * Both still read plain text (fixtures, other callers).
   */
  readonly styled?: boolean;
  /**
   * Pure: keys that answer a start-up dialog on this screen (trust folder, accept bypass
   * mode), or undefined when there is none to answer.
   */
  startupKeys(screen: string): string[] | undefined;
  /**
   * Pure: the text in the input box, '' when it is empty, undefined when no input box is
   * visible (a dialog covers it, the CLI is busy or gone). Used to confirm a submission.
   */
  inputText(screen: string): string | undefined;
  /** Pure: the agent's last answer in this screen history, if one is shown. */
  lastMessage(history: string): string | undefined;
  /** How to leave the CLI cleanly. */
  readonly exit: { text: string } | { keys: string[] };
  /**
   * Pure: keys that give `answer` to the question or permission prompt on this screen
   * (`answer_user_prompt`): a number picks that option, "yes"/"no" the matching one. Undefined
   * means "type the answer as text and press Enter".
   */
  answerKeys?(screen: string, answer: string): string[] | undefined;
  /** Files to write when a profile is installed for this provider (agent JSON and the like). */
  installFiles?(ctx: InstallContext): LaunchFile[];
  /** Text put before a handoff task for this CLI (e.g. to stop it calling back). */
  handoffPrefix?(callerId: string): string;
  /**
   * Pure: arguments that start a new conversation under an id cao chose (a UUID), for CLIs
   * that take one, so that exactly this conversation can be resumed later.
   */
  conversationArgs?(id: string): string[];
  /**
   * Pure: the id to give a terminal's conversation (with `conversationArgs`) when the CLI's
   * session log is found by it (Claude Code: `<id>.jsonl`); a random UUID when absent.
   */
  conversationIdFor?(terminalId: string): string;
  /**
   * Pure: the launch argv turned into one that continues conversation `id`, or, when `id` is
   * null (the CLI cannot be given one), its latest conversation in the working directory.
   * Absent: the CLI cannot resume, and a resumed terminal starts a new conversation.
   */
  resumeArgs?(argv: readonly string[], id: string | null): string[];
}
