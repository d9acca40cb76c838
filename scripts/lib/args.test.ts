import { describe, expect, it } from 'vitest';
import { type CommandSpec, helpText, type OptionSpec, parseCommand, UsageError } from './args.ts';

const spec = {
  usage: 'make demo [ARGS="…"]',
  summary: 'A demo command.',
  options: {
    rows: { type: 'number', min: 1, default: 100, description: 'rows to write' },
    mode: { type: 'enum', values: ['fast', 'safe'], default: 'safe', description: 'how' },
    dry: { type: 'boolean', short: 'n', description: 'print only' },
    name: { type: 'string', description: 'a label' },
  },
} satisfies CommandSpec<Record<string, OptionSpec>>;

const parse = (argv: string[]) => parseCommand(spec, argv);
const problem = (argv: string[]) => {
  try {
    parse(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  return 'no error';
};

describe('parseCommand', () => {
  it('gives defaults when nothing is passed and typed values when something is', () => {
    expect(parse([])).toEqual({
      values: { rows: 100, mode: 'safe', dry: false, name: undefined },
      positional: undefined,
    });
    expect(parse(['--rows', '5', '--mode=fast', '-n', '--name', 'x'])).toEqual({
      values: { rows: 5, mode: 'fast', dry: true, name: 'x' },
      positional: undefined,
    });
  });

  it('names the flag for an unknown option, a non-number, a value out of range or off the list', () => {
    expect(problem(['--rowz', '5'])).toBe("Unknown option '--rowz'");
    expect(problem(['--rows', '1e'])).toBe("--rows: expected a whole number, got '1e'");
    expect(problem(['--rows', '0'])).toBe('--rows: expected at least 1, got 0');
    expect(problem(['--mode', 'quick'])).toBe("--mode: expected one of fast, safe, got 'quick'");
    expect(problem(['extra'])).toMatch(/Unexpected argument 'extra'/);
  });

  it('answers help for --help and -h, listing every option with its default', () => {
    expect(parse(['-h'])).toBe('help');
    expect(parse(['--rows', 'bad', '--help'])).toBe('help');
    const help = helpText(spec);
    expect(help).toContain('usage: make demo');
    expect(help).toMatch(/--rows N\s+rows to write \(default: 100\)/);
    expect(help).toMatch(/--mode fast\|safe\s+how \(default: safe\)/);
    expect(help).toMatch(/-n, --dry\s+print only/);
  });
});
