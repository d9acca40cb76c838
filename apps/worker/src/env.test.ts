import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scheduledJobs, workerEnvSchema } from './env.ts';

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
