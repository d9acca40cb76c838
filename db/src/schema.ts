import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

// demo:start
const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => 'bytea',
});

/**
 * Text compared byte by byte: one b-tree on such a column serves equality (the unique constraint
 * and ON CONFLICT), prefix LIKE and ORDER BY for keyset pagination, where a column in the
 * database's default collation needs a second, text_pattern_ops index for LIKE.
 */
const byteText = customType<{ data: string }>({ dataType: () => 'text collate "C"' });
// demo:end

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

/**
 * The skeleton's example table: rows the example page adds and the example job marks processed.
 * Copy its shape for your first table, then delete it (and its job, route and page).
 */
export const examples = pgTable(
  'examples',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    message: text('message').notNull(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [index('examples_created_at_idx').on(t.createdAt.desc(), t.id.desc())],
);

// demo:start
/**
 * Emails are stored normalised (trimmed, lower-case), which makes the unique constraint
 * case-insensitive and lets upserts target a plain column.
 */
export const contacts = pgTable(
  'contacts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: byteText('email').notNull(),
    name: text('name'),
    company: text('company'),
    phone: text('phone'),
    extra: jsonb('extra').$type<Record<string, string>>().notNull().default({}),
    lastImportId: uuid('last_import_id'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('contacts_email_key').on(t.email),
    check('contacts_email_normalised', sql`${t.email} = lower(btrim(${t.email}))`),
    // Prefix search (`lower(col) LIKE 'abc%'`) is served by text_pattern_ops b-trees; email needs
    // none beyond its unique index (byte collation). Every index slows imports, so no more.
    index('contacts_name_prefix_idx').using('btree', sql`lower(${t.name}) text_pattern_ops`),
    index('contacts_company_prefix_idx').using('btree', sql`lower(${t.company}) text_pattern_ops`),
  ],
);

export const importStatus = pgEnum('import_status', [
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
]);

/** Where a resumed import picks up: the last line committed and the counts up to it. */
export type ImportCheckpoint = {
  line: number;
  bytes: number;
  processed: number;
  inserted: number;
  updated: number;
  invalid: number;
};

export const imports = pgTable(
  'imports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    filename: text('filename').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    /** Bytes of the file parsed and committed so far: drives the progress bar. */
    processedBytes: bigint('processed_bytes', { mode: 'number' }).notNull().default(0),
    status: importStatus('status').notNull().default('queued'),
    totalRows: integer('total_rows'),
    processedRows: integer('processed_rows').notNull().default(0),
    inserted: integer('inserted').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    invalid: integer('invalid').notNull().default(0),
    error: text('error'),
    checkpoint: jsonb('checkpoint').$type<ImportCheckpoint>(),
    attempts: integer('attempts').notNull().default(0),
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true }),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    fileDeletedAt: timestamp('file_deleted_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [index('imports_created_at_idx').on(t.createdAt.desc(), t.id.desc())],
);

/**
 * Uploaded bytes, chunked, so the web and worker processes share nothing but Postgres and Redis
 * and can run on different machines.
 */
export const importChunks = pgTable(
  'import_chunks',
  {
    importId: uuid('import_id')
      .notNull()
      .references(() => imports.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.seq] })],
);

export const importErrors = pgTable(
  'import_errors',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    importId: uuid('import_id')
      .notNull()
      .references(() => imports.id, { onDelete: 'cascade' }),
    line: integer('line').notNull(),
    column: text('column'),
    message: text('message').notNull(),
    createdAt: timestamps.createdAt,
  },
  (t) => [
    // A replayed batch must not record the same error twice.
    uniqueIndex('import_errors_line_key').on(t.importId, t.line, t.column),
    index('import_errors_created_at_idx').on(t.createdAt),
  ],
);

export type ReportResult = {
  totals: { contacts: number; companies: number; domains: number; newLast7Days: number };
  byCompany: { company: string; count: number }[];
  byDomain: { domain: string; count: number }[];
};

export const reports = pgTable(
  'reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    result: jsonb('result').$type<ReportResult>().notNull(),
    generatedAt: timestamp('generated_at', { withTimezone: true }).notNull().defaultNow(),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('reports_generated_at_idx').on(t.generatedAt.desc())],
);

// demo:end

/** Rows per table (`schema.table`) at the moment of a backup's snapshot. */
export type TableCounts = Record<string, number>;

/**
 * Every backup and restore drill the worker ran, and how it ended: the web app shows the latest
 * of each (dashboard, /api/health) from here, without reading the worker's files.
 */
export const backupRuns = pgTable(
  'backup_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: ['backup', 'drill'] }).notNull(),
    status: text('status', { enum: ['running', 'succeeded', 'failed'] }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** The backup's file name (for a drill: the file it restored). */
    file: text('file'),
    /** Where the file is: the local path, then `s3://bucket/key` when it was uploaded. */
    locations: jsonb('locations').$type<string[]>().notNull().default([]),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    tableCounts: jsonb('table_counts').$type<TableCounts>(),
    /** The schedule's interval when the run started: "stale" means older than twice this. */
    intervalSeconds: integer('interval_seconds'),
    error: text('error'),
  },
  (t) => [index('backup_runs_kind_started_idx').on(t.kind, t.startedAt.desc())],
);

export type Example = typeof examples.$inferSelect;
// demo:start
export type Contact = typeof contacts.$inferSelect;
export type Import = typeof imports.$inferSelect;
export type ImportStatus = (typeof importStatus.enumValues)[number];
export type ImportError = typeof importErrors.$inferSelect;
export type Report = typeof reports.$inferSelect;
// demo:end
export type BackupRun = typeof backupRuns.$inferSelect;
