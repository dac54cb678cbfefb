/** How the CLI shows an agent's question: the text, numbered options, the exact answer command. */
export interface Question {
  text: string;
  options: string[];
}

export function printQuestion(print: (t: string) => void, terminalId: string, q: Question): void {
  print(`\nQuestion from ${terminalId}: ${q.text}`);
  q.options.forEach((o, i) => print(`  ${i + 1}. ${o}`));
  print(
    q.options.length > 0
      ? `Answer with: cao agent answer ${terminalId} N (the option's number, or its text)`
      : `Answer with: cao agent answer ${terminalId} "<your answer>"`,
  );
}
