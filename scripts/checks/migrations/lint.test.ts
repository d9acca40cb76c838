import { describe, expect, it } from 'vitest';
import { contractMarkedFiles, formatFinding, lintMigrations, type Rule } from './lint.ts';
import { splitStatements } from './sql.ts';

// The schema every sample runs on, as an earlier committed migration would have created it.
const base = {
  name: '0000_init.sql',
  source: `CREATE TYPE "public"."status" AS ENUM('queued', 'done');--> statement-breakpoint
CREATE TABLE "customers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"status" "status" DEFAULT 'queued' NOT NULL,
	CONSTRAINT "customers_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "customers_email_key" ON "customers" USING btree ("email");--> statement-breakpoint
CREATE INDEX "customers_name_idx" ON "customers" USING btree ("name");`,
};

function lint(source: string, options = {}) {
  return lintMigrations([base, { name: '0001_change.sql', source }], options);
}

function rules(source: string): Rule[] {
  return lint(source).findings.map((f) => f.rule);
}

describe('migration lint: one sample per rule', () => {
  const cases: [Rule, string][] = [
    ['drop-table', 'DROP TABLE "customers";'],
    ['drop-column', 'ALTER TABLE "customers" DROP COLUMN "name";'],
    ['drop-column', 'alter table customers drop name cascade;'],
    ['rename-table', 'ALTER TABLE "customers" RENAME TO "people";'],
    ['rename-table', 'ALTER TABLE customers SET SCHEMA archive;'],
    ['rename-column', 'ALTER TABLE "customers" RENAME COLUMN "name" TO "full_name";'],
    ['alter-column-type', 'ALTER TABLE "customers" ALTER COLUMN "name" SET DATA TYPE varchar(40);'],
    ['alter-column-type', 'ALTER TABLE customers ALTER name TYPE varchar(40) USING name::varchar;'],
    ['set-not-null', 'ALTER TABLE "customers" ALTER COLUMN "name" SET NOT NULL;'],
    ['add-column-not-null', 'ALTER TABLE "customers" ADD COLUMN "phone" text NOT NULL;'],
    ['drop-default', 'ALTER TABLE "customers" ALTER COLUMN "status" DROP DEFAULT;'],
    ['drop-index', 'DROP INDEX "customers_name_idx";'],
    ['drop-index', 'DROP INDEX CONCURRENTLY IF EXISTS "public"."customers_email_key";'],
    ['drop-constraint', 'ALTER TABLE "customers" DROP CONSTRAINT "customers_email_unique";'],
    ['drop-type', 'DROP TYPE "public"."status";'],
    ['drop-type', 'ALTER TYPE "status" RENAME TO "state";'],
    ['enum-value', `ALTER TYPE "status" RENAME VALUE 'done' TO 'finished';`],
    ['enum-value', `DELETE FROM pg_enum WHERE enumlabel = 'done';`],
    ['drop-object', 'DROP VIEW "contact_stats";'],
  ];
  it.each(cases)('%s: %s', (rule, source) => {
    expect(rules(source)).toEqual([rule]);
  });

  it('says why a dropped index matters: unique, named by code, or plans', () => {
    const [unique] = lint('DROP INDEX "customers_email_key";').findings;
    expect(unique?.problem).toMatch(/unique: .*ON CONFLICT/);
    const [named] = lint('DROP INDEX "customers_name_idx";', {
      namedIn: (name: string) =>
        name === 'customers_name_idx' ? 'apps/web/src/x.ts:3' : undefined,
    }).findings;
    expect(named?.problem).toContain('apps/web/src/x.ts:3 names it');
    const [plain] = lint('DROP INDEX "customers_name_idx";').findings;
    expect(plain?.problem).toMatch(/planned on it/);
  });

  it('flags every action of one ALTER TABLE', () => {
    expect(
      rules('ALTER TABLE "customers" DROP COLUMN "name", ALTER COLUMN "email" SET NOT NULL;'),
    ).toEqual(['drop-column', 'set-not-null']);
  });
});

describe('migration lint: what passes', () => {
  it('accepts an additive migration (drizzle output: new table, nullable or defaulted columns, indexes)', () => {
    const result = lint(`CREATE TABLE "notes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"body" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "phone" text;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "score" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "n" bigint GENERATED ALWAYS AS IDENTITY NOT NULL;--> statement-breakpoint
ALTER TYPE "status" ADD VALUE 'failed';--> statement-breakpoint
CREATE INDEX CONCURRENTLY "customers_phone_idx" ON "customers" ("phone");--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_body_check" CHECK (length("body") > 0);`);
    expect(result.findings).toEqual([]);
    expect(result.statements).toBe(4 + 7);
  });

  it('lets a file change what it created itself', () => {
    expect(
      rules(`ALTER TABLE "customers" ADD COLUMN "phone" text;
ALTER TABLE "customers" ALTER COLUMN "phone" SET NOT NULL;
CREATE TABLE "tmp" ("a" int);
ALTER TABLE "tmp" ADD COLUMN "b" int NOT NULL;
ALTER TABLE "tmp" DROP COLUMN "a";`),
    ).toEqual([]);
  });

  it('never reads keywords inside strings, quoted names, dollar bodies or comments', () => {
    expect(
      rules(`-- DROP TABLE "customers";
/* ALTER TABLE customers DROP COLUMN name; /* nested */ still a comment */
INSERT INTO "customers" ("email", "name") VALUES ('a@b.c', 'DROP TABLE x; --');
CREATE FUNCTION f() RETURNS void AS $body$ BEGIN DROP TABLE customers; END $body$ LANGUAGE plpgsql;
ALTER TABLE "customers" ADD COLUMN "drop table" text;`),
    ).toEqual([]);
  });

  it('accepts a flagged statement with a contract marker directly above it', () => {
    const result =
      lint(`ALTER TABLE "customers" ADD COLUMN "full_name" text;--> statement-breakpoint
-- contract: v1.4 release v1.4 stopped reading "name" (reads full_name since v1.3)
ALTER TABLE "customers" DROP COLUMN "name";--> statement-breakpoint
DROP INDEX "customers_name_idx";`);
    expect(result.findings.map((f) => f.rule)).toEqual(['drop-index']);
    expect(result.accepted).toHaveLength(1);
    expect(result.accepted[0]?.marker).toMatchObject({
      ref: 'v1.4',
      line: 2,
      reason: expect.stringContaining('stopped reading'),
    });
  });

  it('refuses a marker without a release or a reason', () => {
    const result = lint(`-- contract: v1.4
ALTER TABLE "customers" DROP COLUMN "name";`);
    expect(result.findings).toMatchObject([{ rule: 'contract-marker', line: 1 }]);
  });
});

describe('migration lint output', () => {
  it('prints file:line, the rule, the statement, the problem and the safe way on one line', () => {
    const [finding] = lint(`ALTER TABLE "customers" ADD COLUMN "x" text;

ALTER TABLE "customers"
  DROP COLUMN "name";`).findings;
    const line = formatFinding(finding ?? expect.fail('no finding'), 'db/migrations');
    expect(line).toBe(
      'db/migrations/0001_change.sql:3: drop-column: ALTER TABLE "customers" DROP COLUMN "name" — drops column "customers"."name": the previous release still selects or inserts it; safe: stop reading and writing the column in release N (drizzle: remove it from the schema), drop it in a later release, with "-- contract: <release> <reason>" above it',
    );
    expect(line).not.toContain('\n');
  });

  it('lists the files that carry a contract marker', () => {
    expect(
      contractMarkedFiles([
        base,
        { name: '0001_x.sql', source: '-- contract: abc123 gone since abc123\nDROP TABLE t;' },
      ]),
    ).toEqual(['0001_x.sql']);
  });
});

describe('splitStatements', () => {
  it('splits on ; and on drizzle breakpoints, with the line each statement starts on', () => {
    const statements = splitStatements(
      "SELECT 1;--> statement-breakpoint\n\nSELECT ';';\n--> statement-breakpoint\nSELECT 3",
    );
    expect(statements.map((s) => [s.line, s.text])).toEqual([
      [1, 'SELECT 1'],
      [3, "SELECT ';'"],
      [5, 'SELECT 3'],
    ]);
  });
});
