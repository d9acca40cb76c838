import { jobOptions, queueNames } from '@app/shared/contracts';
import type { Logger } from '@app/shared/logger';
import type { Queues } from '@app/shared/queues';
import type { RegisteredJob } from './handler.ts';

export type ScheduleOutcome = { id: string; queue: string; cron: string | 'off' | 'removed' };

/**
 * Makes the queues' Job Schedulers match the registry, on every worker start. Upserting a fixed
 * id is idempotent, so restarts (and several workers starting at once) never add a second
 * schedule; a schedule set to `off`, or whose job left the registry, is removed so it stops
 * producing jobs nobody handles.
 */
export async function registerSchedules(
  queues: Queues,
  registry: readonly RegisteredJob[],
  crons: Readonly<Record<string, string>>,
  logger: Logger,
): Promise<ScheduleOutcome[]> {
  const outcomes: ScheduleOutcome[] = [];
  const wanted = new Set<string>();
  for (const { definition } of registry) {
    const schedule = definition.schedule;
    if (!schedule) continue;
    const queue = queues[definition.queue];
    const cron = crons[schedule.env] ?? schedule.default;
    if (cron === 'off') {
      await queue.removeJobScheduler(schedule.id);
      outcomes.push({ id: schedule.id, queue: queue.name, cron: 'off' });
      continue;
    }
    wanted.add(`${queue.name}/${schedule.id}`);
    // Validated here, before it reaches Redis: a scheduled payload is a payload like any other.
    const data = definition.payload.parse(schedule.payload);
    const { attempts, backoff, removeOnComplete, removeOnFail } = jobOptions(definition);
    await queue.upsertJobScheduler(
      schedule.id,
      { pattern: cron, tz: 'UTC' },
      { name: definition.name, data, opts: { attempts, backoff, removeOnComplete, removeOnFail } },
    );
    outcomes.push({ id: schedule.id, queue: queue.name, cron });
  }
  for (const name of queueNames) {
    for (const existing of await queues[name].getJobSchedulers()) {
      if (wanted.has(`${name}/${existing.key}`)) continue;
      if (outcomes.some((o) => o.queue === name && o.id === existing.key)) continue;
      await queues[name].removeJobScheduler(existing.key);
      outcomes.push({ id: existing.key, queue: name, cron: 'removed' });
    }
  }
  logger.info({ schedules: outcomes }, 'job schedules registered');
  return outcomes;
}
