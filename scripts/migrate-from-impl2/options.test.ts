import { describe, expect, it } from 'vitest';
import { helpText, parseOptions, UsageError } from './options.ts';

describe('parseOptions', () => {
  it('reads every flag', () => {
    const options = parseOptions([
      '--vm',
      'impl2-dev',
      '--to-database-url',
      'postgres://u@h/db',
      '--to-redis-url',
      'redis://h:1',
      '--dotenv',
      'x.env',
      '--yes',
      '--dry-run',
      '--force',
      '--jobs',
      '3',
      '--remove-vm',
    ]);
    expect(options).toMatchObject({
      vm: 'impl2-dev',
      toDatabaseUrl: 'postgres://u@h/db',
      dotenv: 'x.env',
      yes: true,
      dryRun: true,
      force: true,
      jobs: 3,
      removeVm: true,
    });
  });

  it('names the flag that is wrong and never echoes a URL', () => {
    expect(() => parseOptions(['--from-database-url', 'mysql://u:secret@h/db'])).toThrow(
      /--from-database-url: expected a URL like postgres:\/\//,
    );
    expect(() => parseOptions(['--from-database-url', 'mysql://u:secret@h/db'])).not.toThrow(
      /secret/,
    );
    expect(() => parseOptions(['--jobs', 'many'])).toThrow(UsageError);
    expect(() => parseOptions(['--frobnicate'])).toThrow(/Unknown option '--frobnicate'/);
  });

  it('documents every flag in --help', () => {
    for (const flag of [
      '--vm',
      '--from-database-url',
      '--from-redis-url',
      '--to-database-url',
      '--to-redis-url',
      '--dotenv',
      '--dry-run',
      '--yes',
      '--force',
      '--jobs',
      '--remove-vm',
      '--help',
    ]) {
      expect(helpText).toContain(flag);
    }
  });
});
