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
  /** What the CLI prints for its version (first line with a number), null when not installed. */
  version: string | null;
  /** The version number in it (`2.1.331`). */
  version_number: string | null;
  /** Whether the compatibility matrix verified that version (null: unknown, not installed). */
  verified: boolean | null;
  /** The versions the matrix verified. */
  verified_versions: string[];
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
  /** Every provider's CLI on this machine, or only the one named. */
  providerInfo(only?: string): Promise<ProviderInfo[]>;
}
