// template-demo
import { z } from 'zod';
import { defineJob } from '../define.ts';

export const contactsReport = defineJob({
  name: 'contacts.report',
  queue: 'maintenance',
  // How many companies and domains the report lists; the rest are summed up in the totals.
  payload: z.object({ top: z.number().int().min(1).max(100).default(10) }),
  retry: { attempts: 3, backoff: { type: 'exponential', delay: 5000, jitter: 0.5 } },
  // "Run report" clicked twice while one is queued or running is one run.
  deduplicationId: () => 'contacts-report',
  schedule: { id: 'contacts-report', env: 'REPORT_CRON', default: '0 3 * * *', payload: {} },
});
