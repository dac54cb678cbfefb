import { describe, expect, it } from 'vitest';
import { caoMcpServers, launchContext, testdataOf } from '../../test/support/providers.js';
import { captureOf, hasShared, sharedTitle } from '../../test/support/shared.js';
import { copilotCli, excludedTools } from './copilot-cli.js';
import type { InstallContext, LaunchContext } from './provider.js';
import { CUT_NOTE } from './screen.js';

const capture = captureOf('copilot');
const own = testdataOf('copilot_cli');

const RULE = '─'.repeat(200);
const IDLE_FOOTER =
  ' ← open sidebar · Interactive · Manual Approval · / commands · ? help · tab next tab';
const BUSY_FOOTER = ' ◎ Working esc esc edit prompt';
const BANNER = [' [Current]  Sessions   Issues', '', '  ╭─╮╭─╮', '  ╰─╯╰─╯  Copilot v1.0.102', ''];

/** A Copilot screen: banner, transcript, working directory, composer, footer. */
function screen(transcript: string[], opts: { input?: string; footer?: string } = {}): string {
  return [
    ...BANNER,
    ...transcript,
    ' /work [⎇ main]',
    RULE,
    `❯ ${opts.input ?? ''}`.trimEnd(),
    RULE,
    opts.footer ?? IDLE_FOOTER,
  ].join('\n');
}
const user = (text: string): string => ` ❯ ${text}${' '.repeat(150)}21:17`;

describe.skipIf(!hasShared())(sharedTitle('copilot_cli over real captures'), () => {
  it('extracts the last answer of a completed turn, without tool lines', () => {
    expect(copilotCli.lastMessage(capture('completed.txt'))).toBe('Slow reply done. FAKE-REPLY-1');
    expect(copilotCli.lastMessage(capture('after_approval.txt'))).toBe(
      'Shell command finished. FAKE-REPLY-2',
    );
    expect(copilotCli.lastMessage(capture('mcp.txt'))).toBe('MCP tool finished. FAKE-REPLY-4');
    expect(copilotCli.lastMessage(capture('yolo.txt'))).toBe('Yolo command finished. FAKE-REPLY-3');
    expect(copilotCli.lastMessage(own('completed/copilot-1.0.102-multiline-answer.txt'))).toBe(
      'Slow reply done. FAKE-REPLY-1\n\nSecond paragraph line.\n\n• bullet one\n• bullet two',
    );
  });

  it('reports the error text as the last message of a failed turn', () => {
    expect(copilotCli.lastMessage(capture('error.txt'))).toBe(
      '400 FAKE-ERROR-400 scripted failure',
    );
    expect(
      copilotCli.lastMessage(own('idle/copilot-1.0.102-cancelled-at-permission.txt')),
    ).toBeUndefined();
  });

  it('reads the composer', () => {
    expect(copilotCli.inputText(capture('idle.txt'))).toBe('');
    expect(copilotCli.inputText(capture('processing.txt'))).toBe('');
    // Esc Esc puts the interrupted prompt back into the composer
    expect(copilotCli.inputText(capture('interrupted.txt'))).toBe('down please (FAKE-PROMPT-6)');
    expect(copilotCli.inputText(own('idle/copilot-1.0.102-typed-multiline.txt'))).toBe(
      'line one\nline two\nline three',
    );
    expect(copilotCli.inputText(capture('waiting_user_answer.txt'))).toBeUndefined();
    expect(copilotCli.inputText(capture('exit.txt'))).toBeUndefined();
  });

  it('answers the folder-trust dialog for this session only, and nothing else', () => {
    const trust = own('waiting_user_answer/copilot-1.0.102-trust-folder.txt');
    expect(copilotCli.detect(trust)).toMatchObject({
      status: 'waiting_user_answer',
      rule: 'trust-folder-dialog',
    });
    expect(copilotCli.startupKeys(trust)).toEqual(['Enter']);
    expect(copilotCli.startupKeys(capture('idle.txt'))).toBeUndefined();
    expect(copilotCli.startupKeys(capture('waiting_user_answer.txt'))).toBeUndefined();
    expect(copilotCli.startupKeys(capture('waiting_user_answer_mcp.txt'))).toBeUndefined();
  });

  it('answers a permission prompt by number or by yes/no', () => {
    const shell = capture('waiting_user_answer.txt');
    expect(copilotCli.answerKeys?.(shell, '1')).toEqual(['Enter']);
    expect(copilotCli.answerKeys?.(shell, 'yes')).toEqual(['Enter']);
    // "2. No, and tell Copilot what to do differently (Esc to stop)" is a text field
    expect(copilotCli.answerKeys?.(shell, '2')).toEqual(['Escape']);
    expect(copilotCli.answerKeys?.(shell, 'no')).toEqual(['Escape']);
    expect(copilotCli.answerKeys?.(shell, 'use the staging database')).toBeUndefined();
    const mcp = capture('waiting_user_answer_mcp.txt');
    expect(copilotCli.answerKeys?.(mcp, '2')).toEqual(['Down', 'Enter']);
    expect(copilotCli.answerKeys?.(mcp, '3')).toEqual(['Escape']);
    const moved = own('waiting_user_answer/copilot-1.0.102-permission-cursor-on-feedback.txt');
    expect(copilotCli.answerKeys?.(moved, 'yes')).toEqual(['Up', 'Enter']);
    expect(copilotCli.answerKeys?.(capture('idle.txt'), 'yes')).toBeUndefined();
  });

  it('answers the ask_user form', () => {
    const form = own('waiting_user_answer/copilot-1.0.102-ask-user-form.txt');
    expect(copilotCli.detect(form)).toMatchObject({
      status: 'waiting_user_answer',
      rule: 'ask-user',
    });
    expect(copilotCli.answerKeys?.(form, '1')).toEqual(['Enter']);
    expect(copilotCli.answerKeys?.(form, '2')).toEqual(['Down', 'Enter']);
    expect(copilotCli.answerKeys?.(form, 'no')).toEqual(['C-d']);
    expect(copilotCli.answerKeys?.(form, '9')).toBeUndefined();
    // by a choice's text (case-insensitive); other text goes into its "Other" field
    expect(copilotCli.answerKeys?.(form, 'BLUE')).toEqual(['Down', 'Enter']);
    expect(copilotCli.answerKeys?.(form, 'red')).toEqual(['Enter']);
    expect(copilotCli.answerKeys?.(form, 'green')).toBeUndefined();
    expect(copilotCli.detect(form).question).toEqual({
      text: 'Which color do you want?',
      options: ['Red', 'Blue', 'Other (type your answer)'],
    });
  });

  it('says which rule decided, with the evidence line', () => {
    const d = copilotCli.detect(capture('processing.txt'));
    expect(d.rule).toBe('footer-working');
    expect(d.evidence.join('\n')).toContain('Working');
    const retry = copilotCli.detect(capture('error_500.txt'));
    expect(retry.rule).toBe('api-retrying');
    expect(retry.evidence[0]).toContain('Retrying...');
    expect(copilotCli.detect(capture('interrupted.txt')).rule).toBe('input-pending');
    expect(copilotCli.detect(own('error/copilot-1.0.102-exit-banner.txt')).rule).toBe('cli-exited');
  });
});

describe('copilot_cli detector edge cases', () => {
  it('a submitted message without any answer yet is processing, not completed', () => {
    const s = screen([user('first'), '', ' ● one', '', user('second'), '']);
    expect(copilotCli.detect(s)).toMatchObject({ status: 'processing', rule: 'awaiting-response' });
  });

  it('the busy footer wins over an answer on screen', () => {
    const s = screen([user('q'), '', ' ● partial answer'], { footer: BUSY_FOOTER });
    expect(copilotCli.detect(s).status).toBe('processing');
  });

  it('a fresh start is idle, text in the composer is idle', () => {
    expect(copilotCli.detect(screen([' ● Tip: /app', '']))).toMatchObject({
      status: 'idle',
      rule: 'empty-prompt',
    });
    const typed = screen([user('q'), ' ● a'], { input: 'next' });
    expect(copilotCli.detect(typed)).toMatchObject({ status: 'idle', rule: 'input-pending' });
  });

  it('an answer is completed; a tool still running is processing', () => {
    const done = screen([user('q'), '', ' $ Shell List files', '   ls', '', ' ● Here they are.']);
    expect(copilotCli.detect(done)).toMatchObject({ status: 'completed', rule: 'response' });
    const running = screen([user('q'), '', ' ○ Echo tool (MCP: echo) · text: "hi"']);
    expect(copilotCli.detect(running).status).toBe('processing');
  });

  it('an API error ends the turn with error; a rejected tool call does not', () => {
    expect(copilotCli.detect(screen([user('q'), '', ' ✗ 400 bad request'])).status).toBe('error');
    const rejected = screen([
      user('q'),
      '',
      ' ✗ Shell Write a marker file The user rejected this tool call. User feedback: no',
    ]);
    expect(copilotCli.detect(rejected)).toMatchObject({ status: 'idle', rule: 'tool-rejected' });
    const cancelled = screen([user('q'), '', ' ● Operation cancelled by user']);
    expect(copilotCli.detect(cancelled)).toMatchObject({ status: 'idle', rule: 'interrupted' });
  });

  it('an error above the latest user message does not make the turn an error', () => {
    const s = screen([user('one'), '', ' ✗ 400 bad request', '', user('two'), '', ' ● fine']);
    expect(copilotCli.detect(s).status).toBe('completed');
    expect(copilotCli.lastMessage(s)).toBe('fine');
  });

  it('the last answer skips MCP tool items and keeps its continuation lines', () => {
    const s = screen([
      user('q'),
      '',
      ' ● Checking with the developer.',
      '',
      ' ● handoff (MCP: cao-mcp-server) · agent: "developer"',
      '',
      ' ● All done.',
      '   Two files changed.',
    ]);
    expect(copilotCli.lastMessage(s)).toBe('All done.\nTwo files changed.');
  });

  it('a missing custom agent at start is an error that says so', () => {
    const s = screen([' ✗ Custom agent "developer" not found. Available agents: none']);
    expect(copilotCli.detect(s)).toMatchObject({ status: 'error', rule: 'agent-not-found' });
  });

  it('an "agent not found" line with a reply after it is history, not the status', () => {
    const reply = Array.from({ length: 60 }, (_, i) => `   Line ${i + 1} of a long reply.`);
    const s = screen([
      ' ✗ Custom agent "developer" not found. Available agents: none',
      '',
      ' ● Here is the long reply.',
      ...reply,
    ]);
    expect(copilotCli.detect(s).status).not.toBe('error');
  });

  it('an "agent not found" line below a long reply whose start scrolled off is no error', () => {
    const reply = Array.from({ length: 40 }, (_, i) => `   • long reply line ${i + 361} of 400`);
    // as Copilot draws it: the tab bar, then the reply's tail (the banner and the user's
    // message scrolled off), the line, the working directory and the composer
    const s = [
      ' [Current]  Sessions   Issues   Pull requests   Gists',
      '',
      ...reply,
      '     LONG-400-END',
      '',
      ' ✗ Custom agent "developer" not found. Available agents: none',
      ' /work [⎇ main]',
      RULE,
      '❯',
      RULE,
      IDLE_FOOTER,
    ].join('\n');
    expect(copilotCli.detect(s)).toMatchObject({
      status: 'completed',
      rule: 'long-reply',
      evidence: ['LONG-400-END'],
    });
  });

  it('a dead pane is an error, an empty screen unknown', () => {
    expect(copilotCli.detect('bye\nPane is dead (status 0, Tue Nov 24 2026)').status).toBe('error');
    expect(copilotCli.detect('\n\n').status).toBe('unknown');
  });
});

const ctx = (over: Partial<LaunchContext> = {}): LaunchContext =>
  launchContext({ mcpServers: caoMcpServers(), ...over });

describe('copilot_cli launch', () => {
  it('asks for permissions by default, selects the installed agent, passes MCP as a file', () => {
    const spec = copilotCli.launch(ctx());
    expect(spec.argv).toEqual([
      'copilot',
      '--agent',
      'developer',
      '--additional-mcp-config',
      '@/cao/tmp/abcd1234.mcp.json',
      '--allow-tool=cao-mcp-server',
    ]);
    expect(spec.env).toEqual({ COPILOT_AUTO_UPDATE: 'false' });
    expect(JSON.parse(spec.files?.[0]?.content ?? '{}')).toEqual({
      mcpServers: {
        'cao-mcp-server': {
          type: 'local',
          command: '/usr/bin/node',
          args: ['/x/mcp.js'],
          env: { CAO_TERMINAL_ID: 'abcd1234' },
          tools: ['*'],
        },
      },
    });
    expect(spec.files?.[0]?.path).toBe('/cao/tmp/abcd1234.mcp.json');
  });

  it('allows everything in yolo mode', () => {
    expect(copilotCli.launch(ctx({ yolo: true })).argv.slice(0, 2)).toEqual([
      'copilot',
      '--allow-all',
    ]);
  });

  it('passes no agent without a system prompt and no MCP flags without servers', () => {
    const spec = copilotCli.launch(
      ctx({ profile: { name: 'x', description: '', systemPrompt: '' }, mcpServers: {} }),
    );
    expect(spec.argv).toEqual(['copilot']);
    expect(spec.files).toEqual([]);
  });

  it('uses the model override before the profile model', () => {
    const spec = copilotCli.launch(
      ctx({ model: 'gpt-5', profile: { ...ctx().profile, model: 'claude-sonnet-4.5' } }),
    );
    expect(spec.argv[spec.argv.indexOf('--model') + 1]).toBe('gpt-5');
  });

  it('hides the built-in tools a restricted profile does not grant', () => {
    const spec = copilotCli.launch(
      ctx({ allowedTools: ['fs_read', 'fs_list', '@cao-mcp-server'] }),
    );
    expect(spec.argv.filter((a) => a.startsWith('--excluded-tools='))).toEqual([
      '--excluded-tools=bash',
      '--excluded-tools=read_bash',
      '--excluded-tools=write_bash',
      '--excluded-tools=stop_bash',
      '--excluded-tools=list_bash',
      '--excluded-tools=task',
      '--excluded-tools=create',
      '--excluded-tools=edit',
      '--excluded-tools=web_fetch',
    ]);
    expect(excludedTools(null)).toEqual([]);
    expect(excludedTools(['*'])).toEqual([]);
    expect(excludedTools(['@builtin'])).toEqual([]);
  });
});

describe('copilot_cli install', () => {
  it('writes the profile as ~/.copilot/agents/<name>.agent.md', () => {
    const install: InstallContext = {
      profile: {
        name: 'developer',
        description: 'Implements code: "carefully"',
        systemPrompt: '# Role\n\nYou write code.\n',
        allowedTools: [],
        mcpServers: {},
        raw: {},
      },
      contextFile: '/cao/agent-context/developer.md',
      home: '/home/u',
      caoHome: '/cao',
      readFile: () => undefined,
    };
    expect(copilotCli.installFiles?.(install)).toEqual([
      {
        path: '/home/u/.copilot/agents/developer.agent.md',
        content:
          '---\nname: "developer"\ndescription: "Implements code: \\"carefully\\""\n---\n\n# Role\n\nYou write code.\n',
      },
    ]);
    const fromPrompt = copilotCli.installFiles?.({
      ...install,
      profile: { ...install.profile, systemPrompt: '', raw: { prompt: 'Be brief.' } },
    });
    expect(fromPrompt?.[0]?.content).toMatch(/---\n\nBe brief\.\n$/);
  });
});

describe('copilot_cli long replies', () => {
  it('a reply taller than the screen is completed; its last answer says it was cut', () => {
    const long = own('completed/copilot-1.0.102-long_400-100x40.txt');
    expect(copilotCli.detect(long)).toMatchObject({ status: 'completed', rule: 'long-reply' });
    const out = copilotCli.lastMessage(long) ?? '';
    expect(out.split('\n')[0]).toBe(CUT_NOTE);
    expect(out.split('\n')[1]).toMatch(/^• long reply line \d+ of 400$/);
    expect(out.split('\n').at(-1)?.trim()).toBe('LONG-400-END');
    expect(out).not.toContain('cao-helper');
  });
});

describe('copilot_cli notices', () => {
  it('a notice drawn after the answer is not the last answer', () => {
    const s = screen([
      user('q'),
      '',
      ' ● the answer',
      '',
      ' ● MCP Servers reloaded: 1 server connected',
    ]);
    expect(copilotCli.lastMessage(s)).toBe('the answer');
  });
});
