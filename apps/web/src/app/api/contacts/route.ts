// template-demo
import { z } from 'zod';
import { searchContacts } from '@/server/contacts.server';
import { parseInput, pgText, route } from '@/server/http.server';

export const dynamic = 'force-dynamic';

const query = z.object({
  q: pgText(200).default(''),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(400).optional(),
});

export const GET = route(async (request: Request) => {
  const input = parseInput(query, Object.fromEntries(new URL(request.url).searchParams), 'query');
  return Response.json(await searchContacts(input));
});
