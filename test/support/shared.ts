/** Where ../shared (fixtures, captures, references) sits beside the project, and reading it. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DIR = process.env['CAO_SHARED_DIR'] ?? join(PROJECT_ROOT, '..', 'shared');
export const hasShared = (): boolean => existsSync(join(SHARED_DIR, 'cao-fixtures'));

/** A suite title for `describe.skipIf(!hasShared())`: it says why when ../shared is missing. */
export const sharedTitle = (title: string): string =>
  hasShared() ? title : `${title} (skipped: ../shared is not beside the project)`;

/** Reads one of the original CAO's fixtures (`../shared/cao-fixtures/<name>`). */
export const caoFixture = (name: string): string =>
  readFileSync(join(SHARED_DIR, 'cao-fixtures', name), 'utf8');

/** A reader of one CLI's captures (`../shared/agent-clis/captures/<cli>/<name>`). */
export const captureOf =
  (cli: string) =>
  (name: string): string =>
    readFileSync(join(SHARED_DIR, 'agent-clis', 'captures', cli, name), 'utf8');
