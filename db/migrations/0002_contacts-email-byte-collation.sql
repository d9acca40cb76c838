-- contract: 739214c predates the first release (written before any deploy and before the migration lint); e938fb2 still runs on it, its email prefix search only without this index
DROP INDEX "contacts_email_prefix_idx";--> statement-breakpoint
-- contract: 739214c predates the first release; no query of e938fb2 orders or filters contacts by created_at through this index
DROP INDEX "contacts_created_at_idx";--> statement-breakpoint
-- contract: 739214c predates the first release; a collation change of text keeps every value, e938fb2 reads and writes the same strings
ALTER TABLE "contacts" ALTER COLUMN "email" SET DATA TYPE text collate "C";
