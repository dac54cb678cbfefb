/** What the HTTP app needs; built by `server/main.ts` or by a test. */
import type { Core } from '../core/core.js';
import type { FlowService } from '../flows/flows-service.js';
import type { Logger } from '../lib/log.js';
import type { CaoPaths } from '../lib/paths.js';
import type { AuthOptions } from './auth.js';
import type { McpToolOptions } from './mcp.js';
import type { LoginCodes } from './routes/auth.js';
import type { SecurityOptions } from './security.js';

export interface ProviderInfo {
  name: string;
  label: string;
  binary: string;
  installed: boolean;
  path: string | null;
  version: string | null;
}

export interface AppDeps {
  core: Core;
  /** Scheduled flows (started and stopped by the composition root). */
  flows: FlowService;
  paths: CaoPaths;
  home: string;
  log: Logger;
  security: SecurityOptions;
  auth: AuthOptions;
  /** Options of cao's MCP tools (`/mcp`). */
  mcp: McpToolOptions;
  loginCodes: LoginCodes;
  version: string;
  providerInfo(): Promise<ProviderInfo[]>;
}
