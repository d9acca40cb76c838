import { connection } from 'next/server';
import { ExamplesPanel } from '@/components/examples-panel';
import { listExamples } from '@/server/examples.server';

export const metadata = { title: 'Examples' };

/** The skeleton's example page: a table, a job and a page, end to end. Replace it with yours. */
export default async function ExamplesPage() {
  await connection(); // rendered per request: the list changes as the worker runs
  const examples = await listExamples();
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Examples</h1>
          <p className="muted">
            Each row you add is queued as an <code>example.process</code> job; the worker marks it
            processed.
          </p>
        </div>
      </div>
      <ExamplesPanel examples={examples} />
    </>
  );
}
