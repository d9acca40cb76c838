// template-demo
import { parseInput, route, uuidParam } from '@/server/http.server';
import { retryImport } from '@/server/imports.server';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

export const POST = route(async (_request: Request, { params }: Context) => {
  const id = parseInput(uuidParam, (await params).id, 'import id');
  return Response.json({ import: await retryImport(id) }, { status: 202 });
});
