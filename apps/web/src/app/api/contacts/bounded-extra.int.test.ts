// template-demo
import { createDb, type DbClient } from '@app/db';
import { resetDatabase, testEnv, uniquePrefix } from '@app/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXTRA_VALUE_MAX_CHARS } from '@/lib/bounded-extra';

// A contact written before cells were capped (or by other means) may hold megabytes in `extra`;
// the list must stay small for everyone anyway.
let db: DbClient;
let routes: typeof import('./route');

beforeAll(async () => {
  const env = await testEnv();
  vi.stubEnv('DATABASE_URL', env.databaseUrl);
  vi.stubEnv('REDIS_URL', env.redisUrl);
  vi.stubEnv('QUEUE_PREFIX', await uniquePrefix('contacts'));
  vi.stubEnv('LOG_LEVEL', 'silent');
  db = createDb(env.databaseUrl, { max: 2 });
  routes = await import('./route');
});
afterAll(async () => {
  await db.close();
  const { closeServices } = await import('@/server/services.server');
  await closeServices();
});
beforeEach(async () => {
  await resetDatabase(db.sql);
});

describe('GET /api/contacts', () => {
  it('sends a 9.5 MB extra cell cut short, with extraTruncated, and small ones whole', async () => {
    const huge = JSON.stringify({ Notes: 'n'.repeat(9_500_000), Size: '38' });
    await db.sql`
      insert into contacts (email, name, extra) values
        ('big@example.com', 'Big', ${huge}::text::jsonb),
        ('small@example.com', 'Small', '{"Size": "40"}'::jsonb)`;
    const response = await routes.GET(new Request('http://localhost/api/contacts'), undefined);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.length).toBeLessThan(5_000);
    const body = JSON.parse(text);
    expect(body.contacts).toMatchObject([
      {
        email: 'big@example.com',
        extra: { Notes: `${'n'.repeat(EXTRA_VALUE_MAX_CHARS)}…`, Size: '38' },
        extraTruncated: true,
      },
      { email: 'small@example.com', extra: { Size: '40' }, extraTruncated: false },
    ]);
  });
});
