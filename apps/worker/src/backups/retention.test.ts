import { describe, expect, it } from 'vitest';
import { backupsToKeep } from './retention.ts';

const at = (iso: string) => ({ takenAt: new Date(iso) });
const kept = (items: { takenAt: Date }[], daily: number, weekly: number) =>
  [...backupsToKeep(items, { daily, weekly })].map((i) => i.takenAt.toISOString()).sort();

describe('backupsToKeep', () => {
  it('keeps the newest backup of a day when there are several', () => {
    const items = [
      at('2026-03-02T02:30:00Z'),
      at('2026-03-02T14:00:00Z'),
      at('2026-03-01T02:30:00Z'),
    ];
    expect(kept(items, 1, 0)).toEqual(['2026-03-02T14:00:00.000Z']);
    expect(kept(items, 2, 0)).toEqual(['2026-03-01T02:30:00.000Z', '2026-03-02T14:00:00.000Z']);
  });

  it('counts weeks from Monday (UTC): Sunday closes a week', () => {
    // Sun 2026-03-01 belongs to the week of Mon 2026-02-23; Mon 2026-03-02 starts a new one.
    const items = [
      at('2026-02-28T02:30:00Z'),
      at('2026-03-01T02:30:00Z'),
      at('2026-03-02T02:30:00Z'),
    ];
    expect(kept(items, 1, 2)).toEqual(['2026-03-01T02:30:00.000Z', '2026-03-02T02:30:00.000Z']);
  });

  it('counts days and weeks that have a backup, not calendar days: a gap keeps older ones', () => {
    const items = [
      at('2026-03-20T02:30:00Z'),
      at('2026-03-01T02:30:00Z'),
      at('2026-02-01T02:30:00Z'),
    ];
    expect(kept(items, 2, 0)).toEqual(['2026-03-01T02:30:00.000Z', '2026-03-20T02:30:00.000Z']);
  });
});
