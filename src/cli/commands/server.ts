/** `cao server`: cao-server in the foreground. */
import { runServer } from '../../server/main.js';

export async function run(argv: string[]): Promise<number> {
  await runServer(argv);
  // keep running until a signal stops the server
  await new Promise(() => {});
  return 0;
}
