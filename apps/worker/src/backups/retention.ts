/**
 * Which backups to keep: the newest backup of each of the last `daily` days that have one, and
 * the newest of each of the last `weekly` ISO weeks (Monday to Sunday, UTC) that have one. A day's
 * newest backup can count for both. Everything else is deleted. Pure, so a test can run 20 days
 * of backups through it with a clock of its own.
 */
export type Keep = { daily: number; weekly: number };

const dayKey = (at: Date) => at.toISOString().slice(0, 10);

/** The Monday (UTC) of the ISO week `at` falls in, as YYYY-MM-DD. */
function weekKey(at: Date): string {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  day.setUTCDate(day.getUTCDate() - sinceMonday);
  return dayKey(day);
}

function newestPer<T extends { takenAt: Date }>(
  items: readonly T[],
  key: (at: Date) => string,
  count: number,
): T[] {
  const newest = new Map<string, T>();
  for (const item of [...items].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime())) {
    const k = key(item.takenAt);
    if (!newest.has(k)) newest.set(k, item);
  }
  // Map iteration follows insertion: newest period first.
  return [...newest.values()].slice(0, count);
}

export function backupsToKeep<T extends { takenAt: Date }>(
  items: readonly T[],
  keep: Keep,
): Set<T> {
  return new Set([
    ...newestPer(items, dayKey, keep.daily),
    ...newestPer(items, weekKey, keep.weekly),
  ]);
}
