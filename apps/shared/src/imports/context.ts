// template-demo
import type { Database, ImportView } from '@app/db';
import type { AppEvent } from '../events/stream.ts';

/** What a state change needs: the database, and where its `import.updated` event goes. */
export type ImportContext = {
  db: Database;
  /** Best effort: the database stays the truth, so a lost event never fails the change. */
  publish: (event: AppEvent) => void | Promise<void>;
};

/** The import job as the lifecycle sees it; the caller binds it to its queues. */
export type ImportJobs = {
  enqueue: (importId: string) => Promise<void>;
  /** The BullMQ state of the import's job ('missing' when there is none). */
  state: (importId: string) => Promise<string>;
  remove: (importId: string) => Promise<void>;
};

export const importUpdated = (view: ImportView): AppEvent => ({
  type: 'import.updated',
  import: view,
});

export async function announce(ctx: ImportContext, view: ImportView): Promise<void> {
  try {
    await ctx.publish(importUpdated(view));
  } catch {
    // Best effort (see ImportContext).
  }
}
