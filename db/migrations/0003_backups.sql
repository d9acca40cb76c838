CREATE TABLE "backup_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"file" text,
	"locations" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"size_bytes" bigint,
	"table_counts" jsonb,
	"interval_seconds" integer,
	"error" text
);
--> statement-breakpoint
CREATE INDEX "backup_runs_kind_started_idx" ON "backup_runs" USING btree ("kind","started_at" DESC NULLS LAST);