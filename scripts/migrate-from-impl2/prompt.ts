import { createInterface } from 'node:readline';

/**
 * Reads one answer from stdin. Works when stdin is a pipe too (scripts answering the question),
 * and treats end of input as "no".
 */
export function ask(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
    let answered = false;
    process.stdout.write(question);
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line.trim());
    });
    rl.once('close', () => {
      if (!answered) resolve('');
    });
  });
}

export const stdinIsInteractive = () => process.stdin.isTTY === true;
