// template-demo
import { parseInput, route, uuidParam } from '@/server/http.server';
import { errorsCsvStream, getImport } from '@/server/imports.server';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

export const GET = route(async (_request: Request, { params }: Context) => {
  const id = parseInput(uuidParam, (await params).id, 'import id');
  const row = await getImport(id);
  const base = row.filename.replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_') || 'import';
  return new Response(errorsCsvStream(id), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${base}-errors.csv"`,
      'cache-control': 'no-store',
    },
  });
});
