// template-demo
import { importView } from '@app/db';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { ImportDetail } from '@/components/import-detail';
import { ApiError, uuidParam } from '@/server/http.server';
import { firstErrors, getImport } from '@/server/imports.server';

const ERROR_LIMIT = 100;

type Props = { params: Promise<{ id: string }> };

async function load(id: string) {
  if (!uuidParam.safeParse(id).success) notFound();
  try {
    return await getImport(id);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) notFound();
    throw error;
  }
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const row = await load((await params).id);
  return { title: row.filename };
}

export default async function ImportPage({ params }: Props) {
  await connection();
  const { id } = await params;
  const row = await load(id);
  const errors = await firstErrors(id, ERROR_LIMIT);
  return (
    <>
      <p className="breadcrumb">
        <Link href="/imports">← Imports</Link>
      </p>
      <ImportDetail
        initialImport={importView(row)}
        initialErrors={errors}
        errorLimit={ERROR_LIMIT}
      />
    </>
  );
}
