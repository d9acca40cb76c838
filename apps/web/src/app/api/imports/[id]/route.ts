// template-demo
import { importView } from '@app/db';
import { parseInput, route, uuidParam } from '@/server/http.server';
import { firstErrors, getImport } from '@/server/imports.server';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

/** The import with its first 100 invalid rows. */
export const GET = route(async (_request: Request, { params }: Context) => {
  const id = parseInput(uuidParam, (await params).id, 'import id');
  const row = await getImport(id);
  return Response.json({ import: importView(row), errors: await firstErrors(id) });
});
