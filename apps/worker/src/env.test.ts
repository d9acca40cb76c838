import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jobSettingsShape, scheduledJobs, workerEnvSchema } from './env.ts';

const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');

describe('schedule settings follow from the job definitions', () => {
  it('lists every schedule variable in .env.example with its default', () => {
    expect(scheduledJobs.length).toBeGreaterThan(0);
    for (const schedule of scheduledJobs) {
      expect(example.split('\n')).toContain(`${schedule.env}=${schedule.default}`);
    }
  });

  it('validates each schedule variable and defaults it when unset', () => {
    for (const schedule of scheduledJobs) {
      // The other settings are required (DATABASE_URL, ...): only this variable's issues count.
      const issuesOf = (value: Record<string, string>) =>
        (workerEnvSchema.safeParse(value).error?.issues ?? [])
          .map((issue) => issue.path.join('.'))
          .filter((path) => path === schedule.env);
      expect(issuesOf({})).toEqual([]);
      expect(issuesOf({ [schedule.env]: 'daily' })).toEqual([schedule.env]);
      expect(workerEnvSchema.shape[schedule.env]?.parse(undefined)).toBe(schedule.default);
    }
  });
});

describe('job settings follow from the job definitions', () => {
  const names = Object.keys(jobSettingsShape);

  it('lists every setting in .env.example with its default (or commented out)', () => {
    expect(names).toEqual(expect.arrayContaining(['BACKUP_DIR']));
    // demo:start
    expect(names).toEqual(
      expect.arrayContaining(['IMPORT_BATCH_SIZE', 'IMPORT_FILE_RETENTION_DAYS']),
    );
    // demo:end
    const lines = example.split('\n').map((line) => line.replace(/^# /, ''));
    for (const name of names) {
      // Active or commented out; a setting without a default (optional, empty) only needs its name.
      const fallback = jobSettingsShape[name]?.parse(undefined);
      if (fallback === undefined || fallback === '') {
        expect(
          lines.some((line) => line.startsWith(`${name}=`)),
          name,
        ).toBe(true);
      } else {
        expect(lines).toContain(`${name}=${fallback}`);
      }
    }
  });

  it('are validated with the rest of the worker env', () => {
    const issues = workerEnvSchema.safeParse({ BACKUP_KEEP_DAILY: 'many' }).error?.issues ?? [];
    expect(issues.map((issue) => issue.path.join('.'))).toContain('BACKUP_KEEP_DAILY');
  });
});
