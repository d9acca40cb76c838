import { z } from 'zod';
import { searchContacts } from '@/server/contacts.server';
import { parseInput, route } from '@/server/http.server';

export const dynamic = 'force-dynamic';

const query = z.object({
  // Postgres text cannot hold NUL; refuse it here rather than as a driver error.
  q: z
    .string()
    .max(200)
    .refine((q) => !q.includes('\0'), 'must not contain NUL')
    .default(''),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(400).optional(),
});

export const GET = route(async (request: Request) => {
  const input = parseInput(query, Object.fromEntries(new URL(request.url).searchParams), 'query');
  return Response.json(await searchContacts(input));
});
