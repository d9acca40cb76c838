// template-demo
import { type DbClient, type Import, imports, storeImportFile } from '@app/db';
import { contactsImport } from '@app/shared/contracts';
import { createQueues, enqueue } from '@app/shared/queues';
import { createProducerConnection } from '@app/shared/redis';
import { pollUntil } from '@app/shared/wait';
import { eq } from 'drizzle-orm';

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
  env: { databaseUrl: string; redisUrl: string; prefix: string; redisCaFile?: string },
  db: DbClient,
  bytes: Buffer,
  filename = 'contacts.csv',
): Promise<Import> {
  const row = await storeImportFile(db.db, filename, bytes);
  const redis = createProducerConnection(env.redisUrl, env.redisCaFile);
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
export { startInProcessWorker } from './worker.ts';
