/**
 * Where the sockets of cao's ssh master connections live: a folder only this user can enter
 * (ssh requires it; a socket there lets anyone who reaches it use the connection). Unix socket
 * paths are short (108 bytes on Linux), so a long CAO_HOME gets a short folder in /tmp named
 * after a hash of it instead.
 */
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaoError } from '../../lib/errors.js';

/** Room left in a socket path for `/<host name>.sock` and ssh's temporary suffix. */
const MAX_DIR_LENGTH = 60;

export function sshControlDir(caoHome: string): string {
  let dir = join(caoHome, 'ssh');
  if (dir.length > MAX_DIR_LENGTH) {
    const hash = createHash('sha256').update(caoHome).digest('hex').slice(0, 12);
    dir = join(tmpdir(), `cao-ssh-${process.getuid?.() ?? 'u'}-${hash}`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || (process.getuid && st.uid !== process.getuid())) {
    throw new CaoError(
      'UNAVAILABLE',
      `${dir} is not a folder of this user's; cao will not keep its ssh connections there.`,
    );
  }
  chmodSync(dir, 0o700);
  return dir;
}
