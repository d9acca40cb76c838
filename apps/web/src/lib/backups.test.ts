import { describe, expect, it } from 'vitest';
import { backupHealth, type RunView } from './backups';

const now = Date.parse('2026-03-10T12:00:00Z');
const run = (overrides: Partial<RunView>): RunView => ({
  status: 'succeeded',
  startedAt: '2026-03-10T02:30:00Z',
  finishedAt: '2026-03-10T02:31:00Z',
  file: 'app-20260310T023000000Z.dump',
  locations: ['/backups/app-20260310T023000000Z.dump'],
  sizeBytes: 1000,
  intervalSeconds: 86_400,
  error: null,
  ...overrides,
});

describe('backupHealth', () => {
  it('is none before the first backup, ok after a recent one', () => {
    expect(
      backupHealth({ lastBackup: null, lastGoodBackup: null, lastDrill: null }, now).health,
    ).toBe('none');
    const good = run({});
    expect(
      backupHealth({ lastBackup: good, lastGoodBackup: good, lastDrill: null }, now).health,
    ).toBe('ok');
  });

  it('is stale when the newest good backup is older than twice the schedule', () => {
    const old = run({ finishedAt: '2026-03-08T11:59:00Z' }); // 48 h 1 min ago, daily schedule
    expect(
      backupHealth({ lastBackup: old, lastGoodBackup: old, lastDrill: null }, now).health,
    ).toBe('stale');
    const hourly = run({ finishedAt: '2026-03-10T09:59:00Z', intervalSeconds: 3600 });
    expect(
      backupHealth({ lastBackup: hourly, lastGoodBackup: hourly, lastDrill: null }, now).health,
    ).toBe('stale');
    // Taken by hand with the schedule off: a day is assumed.
    const manual = run({ finishedAt: '2026-03-09T00:00:00Z', intervalSeconds: null });
    expect(
      backupHealth({ lastBackup: manual, lastGoodBackup: manual, lastDrill: null }, now).health,
    ).toBe('ok');
  });

  it('is failing when the latest backup or the latest drill failed', () => {
    const good = run({});
    const failed = run({ status: 'failed', error: 'pg_dump failed (exit 1)' });
    const state = backupHealth({ lastBackup: failed, lastGoodBackup: good, lastDrill: null }, now);
    expect(state).toMatchObject({
      health: 'failing',
      reason: expect.stringContaining('pg_dump failed'),
    });
    const drill = run({ status: 'failed', error: 'app-….dump is damaged' });
    expect(
      backupHealth({ lastBackup: good, lastGoodBackup: good, lastDrill: drill }, now).health,
    ).toBe('failing');
    const none = backupHealth({ lastBackup: failed, lastGoodBackup: null, lastDrill: null }, now);
    expect(none.health).toBe('failing');
  });
});
