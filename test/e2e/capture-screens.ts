/**
 * Captures real screens of an agent CLI driven by cao, as new detector fixtures:
 *   npx tsx test/e2e/capture-screens.ts claude [state,state…]
 * writes src/providers/testdata/<provider>/<status>/<cli>-<version>-<state>.txt (every state of
 * the plan, or only the ones named). Run it when a CLI version changes, read the files, and keep
 * the ones that add something.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/shared.js';
import { startStack } from './harness.js';

interface Plan {
  provider: string;
  version: () => string;
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

const PLANS: Record<string, Plan> = {
  claude: {
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
};

async function main(): Promise<void> {
  const cli = process.argv[2] ?? 'claude';
  const plan = PLANS[cli];
  if (!plan) throw new Error(`no capture plan for ${cli}`);
  const only = process.argv[3]?.split(',');
  const stack = await startStack({
    clis: [cli],
    env: { IS_SANDBOX: '1' },
    script: {
      turns: [
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
    const r = await stack.cao([
      'launch',
      '--agents',
      'developer',
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
      const file = join(dir, `${cli}-${plan.version()}-${step.state}.txt`);
      writeFileSync(file, screen.replace(/[ \t]+$/gm, ''));
      process.stdout.write(`wrote ${file}\n`);
    }
  } finally {
    await stack.stop();
  }
}

await main();
