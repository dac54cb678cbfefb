/** Where ../shared (fixtures, captures, references) sits beside the project. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DIR = process.env['CAO_SHARED_DIR'] ?? join(PROJECT_ROOT, '..', 'shared');
export const hasShared = (): boolean => existsSync(join(SHARED_DIR, 'cao-fixtures'));
