/**
 * What each real agent CLI needs to run against the fake model server in an isolated HOME:
 * environment and config files (facts from ../shared/agent-clis/README.md and the run scripts
 * there), written before cao-server starts. Nothing here launches a CLI: cao does that.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface CliSetup {
  /** Key in agent-clis.json. */
  cli: string;
  /** cao provider id. */
  provider: string;
  /** The binary (for its version). */
  binary: string;
  env: (modelUrl: string) => NodeJS.ProcessEnv;
  files: (home: string, modelUrl: string, work: string) => void;
}

const write = (file: string, content: string): void => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
};

export const CLI_SETUPS: CliSetup[] = [
  {
    cli: 'claude',
    provider: 'claude_code',
    binary: 'claude',
    env: (url) => ({
      ANTHROPIC_BASE_URL: url,
      ANTHROPIC_API_KEY: 'sk-ant-api03-fakefakefakefakefakefakefakefakefake-0123456789abcdef',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      // MCP tools are otherwise deferred behind a ToolSearch tool the fake model does not play
      ENABLE_TOOL_SEARCH: 'false',
      IS_SANDBOX: '1',
    }),
    files: () => {
      // the harness writes ~/.claude.json (onboarding done, key approved) for every stack
    },
  },
  {
    cli: 'codex',
    provider: 'codex',
    binary: 'codex',
    env: () => ({ FAKE_API_KEY: 'sk-fake' }),
    files: (home, url) =>
      write(
        join(home, '.codex', 'config.toml'),
        [
          'model = "gpt-5"',
          'model_provider = "fake"',
          'check_for_update_on_startup = false',
          '',
          '[model_providers.fake]',
          'name = "fake"',
          `base_url = "${url}/v1"`,
          'env_key = "FAKE_API_KEY"',
          'wire_api = "responses"',
          '',
          // request_user_input (Codex's ask-the-user tool) outside Plan mode, so the fake model
          // can call it in a normal turn
          '[features]',
          'default_mode_request_user_input = true',
          '',
        ].join('\n'),
      ),
  },
  {
    cli: 'gemini',
    provider: 'gemini_cli',
    binary: 'gemini',
    env: (url) => ({ GEMINI_API_KEY: 'fake-key', GOOGLE_GEMINI_BASE_URL: url }),
    files: (home) =>
      write(
        join(home, '.gemini', 'settings.json'),
        JSON.stringify({
          security: { auth: { selectedType: 'gemini-api-key' } },
          general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
          privacy: { usageStatisticsEnabled: false },
        }),
      ),
  },
  {
    cli: 'opencode',
    provider: 'opencode_cli',
    binary: 'opencode',
    env: () => ({
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
      OPENCODE_DISABLE_CLAUDE_CODE: '1',
    }),
    files: (home, url) =>
      write(
        join(home, '.config', 'opencode', 'opencode.json'),
        JSON.stringify({
          $schema: 'https://opencode.ai/config.json',
          autoupdate: false,
          share: 'disabled',
          provider: {
            fake: {
              npm: '@ai-sdk/openai-compatible',
              name: 'Fake LLM',
              options: { baseURL: `${url}/v1`, apiKey: 'sk-fake' },
              models: { 'fake-model': { name: 'Fake Model', tool_call: true } },
            },
          },
          model: 'fake/fake-model',
        }),
      ),
  },
  {
    cli: 'qwen',
    provider: 'qwen_cli',
    binary: 'qwen',
    env: (url) => ({
      OPENAI_API_KEY: 'sk-fake',
      OPENAI_BASE_URL: `${url}/v1`,
      OPENAI_MODEL: 'fake-model',
    }),
    files: (home) =>
      write(
        join(home, '.qwen', 'settings.json'),
        JSON.stringify({
          security: { auth: { selectedType: 'openai' } },
          general: { enableAutoUpdate: false, disableAutoUpdate: true, disableUpdateNag: true },
          privacy: { usageStatisticsEnabled: false },
          model: { name: 'fake-model' },
          // side agents that would send the fake model extra requests
          ui: { enableFollowupSuggestions: false },
          memory: { enableManagedAutoMemory: false },
        }),
      ),
  },
  {
    cli: 'copilot',
    provider: 'copilot_cli',
    binary: 'copilot',
    env: (url) => ({
      COPILOT_PROVIDER_BASE_URL: `${url}/v1`,
      COPILOT_PROVIDER_TYPE: 'openai',
      COPILOT_PROVIDER_API_KEY: 'sk-fake',
      COPILOT_MODEL: 'fake-model',
      COPILOT_OFFLINE: 'true',
      COPILOT_AUTO_UPDATE: 'false',
    }),
    files: () => {},
  },
  {
    cli: 'kimi',
    provider: 'kimi_cli',
    binary: 'kimi',
    env: (url) => ({
      KIMI_MODEL_NAME: 'fake-model',
      KIMI_MODEL_API_KEY: 'sk-fake',
      KIMI_MODEL_PROVIDER_TYPE: 'openai',
      KIMI_MODEL_BASE_URL: `${url}/v1`,
      KIMI_CODE_NO_AUTO_UPDATE: '1',
    }),
    // no pre-trusted folder: cao answers Kimi's "Trust this folder?" at start-up
    files: () => {},
  },
];
