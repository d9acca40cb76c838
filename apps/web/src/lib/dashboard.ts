/**
 * The dashboard's data as the API sends it and the page renders it (server and browser share these
 * types and helpers; nothing here touches a server).
 */

export const jobStates = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;
export type JobState = (typeof jobStates)[number];

export type QueueSnapshot = {
  name: string;
  counts: Record<JobState, number>;
  /** Worker connections consuming this queue right now. */
  workers: number;
};

export type Health = 'ok' | 'down';

export type DashboardSnapshot = {
  at: string;
  /** Empty when Redis does not answer (health.redis says so). */
  queues: QueueSnapshot[];
  /** Jobs per minute over the last hour, oldest first, summed over the queues. */
  throughput: { completed: number[]; failed: number[] };
  health: { db: Health; redis: Health; worker: Health };
  // demo:start
  latestReport: { id: string; generatedAt: string } | null;
  // demo:end
};

/** BullMQ's per-queue metrics (`queue.getMetrics`), as far as the series needs them. */
export type QueueMetrics = {
  meta: { count: number; prevTS: number; prevCount: number };
  /** Finished minutes, newest first. */
  data: number[];
};

/**
 * Per-minute counts for the last `minutes` minutes, oldest first, ending with the current minute.
 *
 * BullMQ writes a data point only when a job finishes in a later minute than the last point: the
 * list's head is the minute before `prevTS`'s minute, the minute of `prevTS` is still open
 * (`count - prevCount` so far), and minutes after it saw no job at all.
 */
export function perMinute(metrics: QueueMetrics, now: number, minutes = 60): number[] {
  const nowMinute = Math.floor(now / 60_000);
  const openMinute = Math.floor(metrics.meta.prevTS / 60_000);
  const series: number[] = [];
  for (let back = minutes - 1; back >= 0; back--) {
    const minute = nowMinute - back;
    if (metrics.meta.prevTS === 0 || minute > openMinute) series.push(0);
    else if (minute === openMinute) series.push(metrics.meta.count - metrics.meta.prevCount);
    else series.push(metrics.data[openMinute - 1 - minute] ?? 0);
  }
  return series;
}

/** Element-wise sum of equally long series. */
export function sumSeries(series: number[][], length: number): number[] {
  return Array.from({ length }, (_, i) => series.reduce((sum, s) => sum + (s[i] ?? 0), 0));
}
