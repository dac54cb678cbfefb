/** Finding an agent CLI's executable on PATH before anything is created. */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export type BinaryLookup = (binary: string, path: string | undefined) => string | undefined;

/** `which`: the first executable file named `binary` on `path`. */
export const findBinary: BinaryLookup = (binary, path) => {
  if (isAbsolute(binary)) return isExecutable(binary) ? binary : undefined;
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
};

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
