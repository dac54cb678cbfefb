/**
 * Captures real screens of an agent CLI driven by cao, as new detector fixtures:
 *   npx tsx test/e2e/capture-screens.ts <plan> [state,state…] [--size 100x40]
 * writes src/providers/testdata/<provider>/<status>/<cli>-<version>-<state>[-<size>].txt (every
 * state of the plan, or only the ones named; the size is in the name unless it is cao's default
 * 220x50). Plans: `claude` (the turn states), `<cli>-ask` for claude, codex, gemini, qwen, kimi (the CLI's own
 * ask-the-user widget). Run it when a CLI version changes, read the files, and keep the ones
 * that add something.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/shared.js';
import { ASK_STEP } from './ask-input.js';
import { CLI_SETUPS } from './cli-setups.js';
import { startStack } from './harness.js';

interface Plan {
  /** Key in agent-clis.json. */
  cli: string;
  provider: string;
  version: () => string;
  /** A profile (agent Markdown) to launch instead of the built-in developer. */
  profile?: string;
  steps: {
    state: string;
    status: string;
    /** tmux key names sent before the message */
    before?: string[];
    message?: string;
    /** tmux key names sent after the message (if any) once `waitFor` matched */
    keys?: { after: RegExp; keys: string[] };
    waitFor: RegExp;
    delayMs?: number;
  }[];
}

/** A profile whose CLI keeps its own permission prompts (no yolo). */
const ASKER = `---
name: asker
description: A developer whose CLI asks before it runs tools.
permissionMode: default
---
You are a careful developer. Do what you are asked.
`;

/** The CLI's own ask-the-user widget showing ASK_STEP's question. */
function askPlan(cli: string, provider: string, version: string): Plan {
  return {
    cli,
    provider,
    version: () => version,
    steps: [
      {
        state: 'ask-user-question',
        status: 'waiting_user_answer',
        message: 'ask CAPTURE-ASK',
        waitFor: /Which colour[\s\S]*Blue/,
        delayMs: 500,
      },
    ],
  };
}

const PLANS: Record<string, Plan> = {
  claude: {
    cli: 'claude',
    provider: 'claude_code',
    version: () => '2.1.331',
    steps: [
      { state: 'idle', status: 'idle', waitFor: /❯/ },
      {
        state: 'processing',
        status: 'processing',
        message: 'slow CAPTURE-SLOW',
        waitFor: /esc to interrupt/,
        delayMs: 800,
      },
      { state: 'completed', status: 'completed', waitFor: /CAPTURE-REPLY-SLOW[\s\S]*for \d+s/ },
      {
        state: 'completed-multiline',
        status: 'completed',
        message: 'multi CAPTURE-MULTI',
        waitFor: /third line[\s\S]*for \d+s/,
      },
      {
        // Esc before the model answered anything: Claude drops the turn and puts the message
        // back in the input box
        state: 'interrupted-before-reply',
        status: 'idle',
        message: 'stop CAPTURE-STOP',
        keys: { after: /esc to interrupt/, keys: ['Escape'] },
        waitFor: /❯\sstop CAPTURE-STOP[^\n]*\n\s*─/,
        delayMs: 500,
      },
      {
        // Esc while a tool runs: Claude stops the turn and says so under the tool
        state: 'interrupted',
        status: 'idle',
        before: ['C-u'],
        message: 'tool CAPTURE-TOOLSTOP',
        keys: { after: /setTimeout[\s\S]*esc to interrupt/, keys: ['Escape'] },
        waitFor: /Interrupted/,
        delayMs: 500,
      },
    ],
  },
  'claude-ask': {
    cli: 'claude',
    provider: 'claude_code',
    version: () => '2.1.331',
    steps: [
      {
        state: 'ask-user-question',
        status: 'waiting_user_answer',
        message: 'ask CAPTURE-ASK',
        waitFor: /Which colour[\s\S]*Blue/,
        delayMs: 500,
      },
    ],
  },
  'codex-ask': {
    cli: 'codex',
    provider: 'codex',
    version: () => '0.169.0',
    steps: [
      {
        state: 'request-user-input',
        status: 'waiting_user_answer',
        message: 'ask CAPTURE-ASK',
        waitFor: /Which colour[\s\S]*Blue/,
        delayMs: 500,
      },
    ],
  },
  'gemini-ask': askPlan('gemini', 'gemini_cli', '0.61.0'),
  'qwen-ask': askPlan('qwen', 'qwen_cli', '0.24.4'),
  // in its --auto mode (cao's yolo) Kimi refuses AskUserQuestion, so a profile that keeps
  // Kimi's own prompts
  'kimi-ask': { ...askPlan('kimi', 'kimi_cli', '2.1.0'), profile: ASKER },
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sizeAt = args.indexOf('--size');
  const size = sizeAt >= 0 ? (args.splice(sizeAt, 2)[1] ?? '') : '220x50';
  const [cols, rows] = size.split('x');
  if (!/^\d+x\d+$/.test(size)) throw new Error(`--size takes COLSxROWS, e.g. 100x40`);
  const name = args[0] ?? 'claude';
  const plan = PLANS[name];
  if (!plan) throw new Error(`no capture plan for ${name}`);
  const cli = plan.cli;
  const setup = CLI_SETUPS.find((c) => c.cli === cli);
  const only = args[1]?.split(',');
  const stack = await startStack({
    clis: [cli],
    env: { IS_SANDBOX: '1' },
    ...(setup ? { envFromModel: setup.env, prepare: setup.files } : {}),
    script: {
      turns: [
        {
          match: 'CAPTURE-ASK',
          steps: [ASK_STEP, { text: 'You picked: done. CAPTURE-REPLY-ASK' }],
        },
        { match: 'CAPTURE-SLOW', delayMs: 4000, reply: 'Slow reply. CAPTURE-REPLY-SLOW' },
        { match: 'CAPTURE-STOP', delayMs: 30_000, reply: 'Never shown. CAPTURE-REPLY-STOP' },
        {
          match: 'CAPTURE-TOOLSTOP',
          steps: [
            // (Claude Code refuses a bare long `sleep`)
            {
              tool: '@shell',
              command: "node -e 'setTimeout(() => {}, 30000)'",
              description: 'Wait',
            },
            { text: 'Never shown. CAPTURE-REPLY-TOOLSTOP' },
          ],
        },
        {
          match: 'CAPTURE-MULTI',
          reply: 'First line of the answer.\n\n- a bullet\n- another bullet\n\nthird line',
        },
      ],
    },
  });
  try {
    let agent = 'developer';
    if (plan.profile) {
      const file = join(stack.root, 'asker.md');
      writeFileSync(file, plan.profile);
      const i = await stack.cao(['install', file, '--provider', plan.provider]);
      if (i.code !== 0) throw new Error(i.stderr);
      agent = 'asker';
    }
    const r = await stack.cao([
      'launch',
      '--agents',
      agent,
      '--headless',
      '--yolo',
      '--session-name',
      'cap',
      '--working-directory',
      stack.work,
      '--provider',
      plan.provider,
    ]);
    if (r.code !== 0) throw new Error(r.stderr);
    const id = /id ([a-f0-9]{8})/.exec(r.stdout)?.[1] ?? '';
    const pane = stack.tmux(['list-panes', '-s', '-t', 'cao-cap', '-F', '#{pane_id}']).trim();
    if (size !== '220x50') {
      stack.tmux(['resize-window', '-t', pane, '-x', cols ?? '', '-y', rows ?? '']);
      await new Promise((res) => setTimeout(res, 1000));
    }
    const waitFor = async (re: RegExp): Promise<void> => {
      const deadline = Date.now() + 60_000;
      let screen = '';
      while (Date.now() < deadline) {
        screen = stack.tmux(['capture-pane', '-p', '-J', '-t', pane]);
        if (re.test(screen)) return;
        await new Promise((res) => setTimeout(res, 100));
      }
      throw new Error(`the screen never showed ${String(re)}; it shows:\n${screen}`);
    };
    for (const step of plan.steps) {
      if (step.before) stack.tmux(['send-keys', '-t', pane, ...step.before]);
      if (step.message)
        await stack.api('POST', `/terminals/${id}/input`, { message: step.message });
      if (step.keys) {
        await waitFor(step.keys.after);
        stack.tmux(['send-keys', '-t', pane, ...step.keys.keys]);
      }
      await waitFor(step.waitFor);
      if (step.delayMs) await new Promise((res) => setTimeout(res, step.delayMs));
      if (only && !only.includes(step.state)) continue;
      const screen = stack.tmux(['capture-pane', '-p', '-J', '-t', pane]);
      const dir = join(PROJECT_ROOT, 'src', 'providers', 'testdata', plan.provider, step.status);
      mkdirSync(dir, { recursive: true });
      const suffix = size === '220x50' ? '' : `-${size}`;
      const file = join(dir, `${cli}-${plan.version()}-${step.state}${suffix}.txt`);
      // no machine paths in fixtures: the stack's directory reads as a neutral one
      const text = screen
        .replaceAll(stack.work, '/home/user/project')
        .replaceAll(stack.root, '/tmp/cao-e2e')
        // a shortened path (Kimi's footer shows only the last three parts of the directory)
        .replaceAll(stack.work.split('/').slice(-3).join('/'), 'home/user/project')
        .replace(/[ \t]+$/gm, '');
      writeFileSync(file, text);
      process.stdout.write(`wrote ${file}\n`);
    }
  } finally {
    await stack.stop();
  }
}

await main();
