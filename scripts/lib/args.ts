import { parseArgs } from 'node:util';
import { red } from './output.ts';

/**
 * The one command-line parser for scripts/ (decision 0074), on node:util parseArgs. Every command
 * declares its options once; from that it gets `--help` (usage, options, defaults), typed values
 * (numbers and enums checked), and for an unknown flag or a bad value one line naming the fix and
 * exit code 2, the usual "usage error" status, so a typo never starts a long run with defaults.
 */

type Base = { description: string; short?: string };
export type OptionSpec =
  | (Base & { type: 'boolean' })
  | (Base & { type: 'string'; default?: string; placeholder?: string })
  | (Base & { type: 'number'; default?: number; min?: number; max?: number; integer?: boolean })
  | (Base & { type: 'enum'; values: readonly string[]; default?: string });

type ValueOf<S> = S extends { type: 'boolean' }
  ? boolean
  : S extends { type: 'number' }
    ? S extends { default: number }
      ? number
      : number | undefined
    : S extends { type: 'enum'; values: readonly (infer V)[] }
      ? S extends { default: string }
        ? V
        : V | undefined
      : S extends { default: string }
        ? string
        : string | undefined;

export type Values<O extends Record<string, OptionSpec>> = { [K in keyof O]: ValueOf<O[K]> };

export type CommandSpec<O extends Record<string, OptionSpec>> = {
  /** How the user runs it, e.g. `make bench-setup [ARGS="…"]`. */
  usage: string;
  summary: string;
  options: O;
  /** One optional positional argument, e.g. the tool `make psql` passes to shell.ts. */
  positional?: { name: string; description: string; values?: readonly string[] };
};

export class UsageError extends Error {}

export function helpText<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): string {
  const rows: [string, string][] = [];
  if (spec.positional) {
    const values = spec.positional.values ? ` (${spec.positional.values.join(' | ')})` : '';
    rows.push([spec.positional.name, `${spec.positional.description}${values}`]);
  }
  for (const [name, option] of Object.entries(spec.options)) {
    const short = option.short ? `-${option.short}, ` : '';
    const arg =
      option.type === 'boolean'
        ? ''
        : option.type === 'enum'
          ? ` ${option.values.join('|')}`
          : option.type === 'number'
            ? ' N'
            : ` ${option.placeholder ?? 'VALUE'}`;
    const fallback = 'default' in option && option.default !== undefined;
    rows.push([
      `${short}--${name}${arg}`,
      `${option.description}${fallback ? ` (default: ${option.default})` : ''}`,
    ]);
  }
  rows.push(['-h, --help', 'this text']);
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  const lines = rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`);
  return `usage: ${spec.usage}\n${spec.summary}\n\noptions:\n${lines.join('\n')}`;
}

/** Parses argv against the spec; 'help' when --help was given; throws UsageError otherwise. */
export function parseCommand<const O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: string[],
): { values: Values<O>; positional: string | undefined } | 'help' {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, option] of Object.entries(spec.options)) {
    const type = option.type === 'boolean' ? 'boolean' : 'string';
    options[name] = option.short ? { type, short: option.short } : { type };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: !!spec.positional });
  } catch (error) {
    // Only the user's mistakes are usage errors; a bad spec is a bug and keeps its stack.
    if (!String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw error;
    // node names the flag ("Unknown option '--foo'"); its further advice lines are noise here.
    throw new UsageError((error as Error).message.split('\n')[0] ?? String(error));
  }
  if (parsed.values.help) return 'help';

  const values: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(spec.options)) {
    const raw = parsed.values[name];
    if (option.type === 'boolean') {
      values[name] = raw === true;
      continue;
    }
    if (raw === undefined) {
      values[name] = option.default;
      continue;
    }
    values[name] = checkValue(name, option, String(raw));
  }

  if (parsed.positionals.length > 1) {
    throw new UsageError(`expected at most one argument, got ${parsed.positionals.join(' ')}`);
  }
  const positional = parsed.positionals[0];
  const allowed = spec.positional?.values;
  if (allowed && positional !== undefined && !allowed.includes(positional)) {
    throw new UsageError(
      `${spec.positional?.name}: expected one of ${allowed.join(', ')}, got ${positional}`,
    );
  }
  return { values: values as Values<O>, positional };
}

function checkValue(name: string, option: OptionSpec, raw: string): unknown {
  if (option.type === 'enum') {
    if (option.values.includes(raw)) return raw;
    throw new UsageError(`--${name}: expected one of ${option.values.join(', ')}, got '${raw}'`);
  }
  if (option.type !== 'number') return raw;
  const value = Number(raw);
  const integer = option.integer ?? true;
  if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(
      `--${name}: expected ${integer ? 'a whole number' : 'a number'}, got '${raw}'`,
    );
  }
  if (option.min !== undefined && value < option.min) {
    throw new UsageError(`--${name}: expected at least ${option.min}, got ${value}`);
  }
  if (option.max !== undefined && value > option.max) {
    throw new UsageError(`--${name}: expected at most ${option.max}, got ${value}`);
  }
  return value;
}

/**
 * For a command's entry file: parse process.argv, print help and exit 0 for --help, or print one
 * line and exit 2 for a usage error.
 */
export function commandArgs<const O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: string[] = process.argv.slice(2),
): { values: Values<O>; positional: string | undefined } {
  try {
    const result = parseCommand(spec, argv);
    if (result !== 'help') return result;
    console.log(helpText(spec));
    process.exit(0);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(
      `${red('✗')} ${error.message}\n  usage: ${spec.usage} (ARGS=--help lists the options)`,
    );
    process.exit(2);
  }
}
