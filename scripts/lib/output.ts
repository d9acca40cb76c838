/**
 * Whether to colour a stream: FORCE_COLOR (anything but "0") forces it on, FORCE_COLOR=0 or a
 * non-empty NO_COLOR turns it off, otherwise only a terminal gets colour. `make help` applies the
 * same rule in shell, so a pipe or a log file never receives escape codes.
 */
export function colorEnabled(
  stream: { isTTY?: boolean } = process.stdout,
  env: Record<string, string | undefined> = process.env,
): boolean {
  // Read here rather than through an env module: output must work before any env is validated.
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0';
  if (env.NO_COLOR) return false;
  return stream.isTTY === true;
}

const color = colorEnabled();
const paint = (code: number) => (text: string) =>
  color ? `\u001b[${code}m${text}\u001b[0m` : text;

export const green = paint(32);
export const red = paint(31);
export const yellow = paint(33);
export const dim = paint(2);
export const bold = paint(1);
export const cyan = paint(36);
export const magenta = paint(35);

export const ok = (text: string) => console.log(`${green('✓')} ${text}`);
export const fail = (text: string, fix?: string) =>
  console.log(`${red('✗')} ${text}${fix ? `\n    ${dim('fix:')} ${fix}` : ''}`);
export const warn = (text: string, fix?: string) =>
  console.log(`${yellow('!')} ${text}${fix ? `\n    ${dim('fix:')} ${fix}` : ''}`);
export const step = (text: string) => console.log(`${cyan('→')} ${text}`);

/** Prints one line and exits non-zero: for failures whose fix is known. */
export function die(message: string, fix?: string): never {
  console.error(`${red('✗')} ${message}${fix ? `\n  ${fix}` : ''}`);
  process.exit(1);
}

/** Like die, for several problems at once: each line with its fix, then exit 1. */
export function dieWith(problems: { message: string; fix: string }[]): never {
  for (const { message, fix } of problems) console.error(`${red('✗')} ${message}\n  ${fix}`);
  process.exit(1);
}
