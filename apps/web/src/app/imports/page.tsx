// template-demo
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { z } from 'zod';
import { ImportsPanel } from '@/components/imports-panel';
import { env } from '@/env';
import { ApiError } from '@/server/http.server';
import { listImports } from '@/server/imports.server';

export const metadata: Metadata = { title: 'Imports' };

const PAGE_SIZE = 20;
const searchParamsSchema = z.object({ cursor: z.string().max(200).optional().catch(undefined) });

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function ImportsPage({ searchParams }: Props) {
  await connection();
  const { cursor } = searchParamsSchema.parse(await searchParams);
  const page = await listImports({ limit: PAGE_SIZE, cursor }).catch((error: unknown) => {
    // A stale or hand-edited cursor shows the first page rather than an error page.
    if (error instanceof ApiError && error.code === 'invalid_cursor') return undefined;
    throw error;
  });
  const result = page ?? (await listImports({ limit: PAGE_SIZE }));
  const shownCursor = page ? cursor : undefined;

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Imports</h1>
          <p className="muted">
            Each file is stored, queued and imported by a worker in batches; rows with the same
            email update the existing contact.
          </p>
        </div>
      </div>
      <ImportsPanel
        // A new key per page: the panel's state starts from this page's rows.
        key={shownCursor ?? 'first'}
        initialImports={result.imports}
        maxBytes={env().IMPORT_MAX_BYTES}
        cursor={shownCursor}
        pageSize={PAGE_SIZE}
      />
      {(result.nextCursor || shownCursor) && (
        <nav className="pager" aria-label="Imports pages">
          {shownCursor && <Link href="/imports">Back to newest</Link>}
          {result.nextCursor && (
            <Link href={`/imports?cursor=${encodeURIComponent(result.nextCursor)}`} rel="next">
              Older imports →
            </Link>
          )}
        </nav>
      )}
    </>
  );
}
