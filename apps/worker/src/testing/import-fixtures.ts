import { createDb, type DbClient, type Import, imports, storeImportFile } from '@app/db';
import { contactsImport } from '@app/shared/contracts';
import { createLogger } from '@app/shared/logger';
import { createQueues, enqueue } from '@app/shared/queues';
import { createProducerConnection, createWorkerConnection } from '@app/shared/redis';
import { pollUntil } from '@app/shared/wait';
import { eq } from 'drizzle-orm';
import type { DestinationStream } from 'pino';
import { registry } from '../jobs/registry.ts';
import { type JobRuntime, startJobRuntime } from '../jobs/runtime.ts';

export type CsvOptions = {
  rows: number;
  /** Rows whose index % 100 is below this are invalid (3 → exactly 3 %). */
  invalidPercent?: number;
  /** Spreadsheet export style: UTF-8 BOM, CRLF, `;`-separated, quoted fields. */
  spreadsheet?: boolean;
  emailPrefix?: string;
};

/** A deterministic contacts CSV: the same options always give the same bytes. */
export function contactsCsv(options: CsvOptions): Buffer {
  const sep = options.spreadsheet ? ';' : ',';
  const eol = options.spreadsheet ? '\r\n' : '\n';
  const prefix = options.emailPrefix ?? 'person';
  const lines = [['First Name', 'Last Name', 'E-mail', 'Company', 'Phone', 'Notes'].join(sep)];
  for (let i = 0; i < options.rows; i++) {
    const invalid = i % 100 < (options.invalidPercent ?? 0);
    const email = invalid ? `not-an-email-${i}` : `${prefix}.${i}@example.com`;
    const company = `"Company ${i % 50}${sep} Ltd"`; // the delimiter inside quotes
    const notes = i % 10 === 0 ? `"said ""hi""${eol}on two lines"` : '';
    lines.push([`First${i}`, `Last${i}`, email, company, `+1 555 ${i}`, notes].join(sep));
  }
  const text = lines.join(eol) + eol;
  return Buffer.from(options.spreadsheet ? `\uFEFF${text}` : text, 'utf8');
}

export const expectedCounts = (rows: number, invalidPercent: number) => {
  const invalid = Math.floor(rows / 100) * invalidPercent + Math.min(rows % 100, invalidPercent);
  return { processed: rows, invalid, valid: rows - invalid };
};

/** Stores the file and enqueues its job, as the web app's upload does. */
export async function uploadCsv(
  env: { databaseUrl: string; redisUrl: string; prefix: string },
  db: DbClient,
  bytes: Buffer,
  filename = 'contacts.csv',
): Promise<Import> {
  const row = await storeImportFile(db.db, filename, bytes);
  const redis = createProducerConnection(env.redisUrl);
  const queues = createQueues(redis, env.prefix);
  try {
    await enqueue(queues, contactsImport, { importId: row.id });
  } finally {
    await Promise.all(Object.values(queues).map((q) => q.close()));
    redis.disconnect();
  }
  return row;
}

export async function readImport(db: DbClient, id: string): Promise<Import> {
  const [row] = await db.db.select().from(imports).where(eq(imports.id, id));
  if (!row) throw new Error(`import ${id} not found`);
  return row;
}

/** Polls until the import reaches one of `statuses`; fails with its last state otherwise. */
export async function waitForImport(
  db: DbClient,
  id: string,
  statuses: Import['status'][] = ['completed'],
  timeoutMs = 45_000,
  until?: (row: Import) => boolean,
): Promise<Import> {
  let last: Import | undefined;
  return pollUntil(
    async () => {
      last = await readImport(db, id);
      return statuses.includes(last.status) && (!until || until(last)) && last;
    },
    {
      what: `import ${id} reaching ${statuses.join('/')}`,
      timeoutMs,
      intervalMs: 50,
      detail: () => JSON.stringify(last),
    },
  );
}

/** The real job runtime in this process, on the test's own database and queue prefix. */
export function startInProcessWorker(
  env: { databaseUrl: string; redisUrl: string; prefix: string },
  options: {
    batchSize?: number;
    batchDelayMs?: number;
    /** More job settings by variable name (BACKUP_DIR, …), and schedule patterns by variable. */
    settings?: Record<string, unknown>;
    crons?: Record<string, string>;
    /** Receives the worker's JSON log lines (level info and up); silent without it. */
    logStream?: DestinationStream;
  } = {},
) {
  const db = createDb(env.databaseUrl, { max: 5, connectTimeout: 2 });
  const connection = createWorkerConnection(env.redisUrl);
  const events = createProducerConnection(env.redisUrl);
  const logger = createLogger({
    name: 'test-worker',
    level: options.logStream ? 'info' : 'silent',
    format: 'json',
    version: 'test',
    ...(options.logStream ? { stream: options.logStream } : {}),
  });
  const runtime: JobRuntime = startJobRuntime({
    connection,
    prefix: env.prefix,
    concurrency: 2,
    db,
    logger,
    registry,
    events,
    lockDurationMs: 2000,
    stalledIntervalMs: 1000,
    settings: {
      IMPORT_BATCH_SIZE: options.batchSize ?? 500,
      IMPORT_BATCH_DELAY_MS: options.batchDelayMs ?? 0,
      ...options.settings,
    },
    databaseUrl: env.databaseUrl,
    crons: options.crons ?? {},
  });
  return {
    runtime,
    db,
    async stop() {
      await runtime.close(10_000);
      await connection.quit().catch(() => {});
      events.disconnect();
      await db.close();
    },
  };
}
