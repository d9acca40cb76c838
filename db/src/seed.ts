// template-demo
import { sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { contacts } from './schema.ts';

const firstNames = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Ken', 'Margaret', 'Linus'];
const lastNames = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Thompson', 'Hamilton'];
const companies = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark Industries'];
const domains = ['example.com', 'example.org', 'example.net', 'mail.test'];

/** Deterministic demo contacts: the same `count` always yields the same rows. */
export function demoContacts(count: number) {
  return Array.from({ length: count }, (_, i) => {
    const first = firstNames[i % firstNames.length] ?? 'Ada';
    const last = lastNames[(i * 7) % lastNames.length] ?? 'Lovelace';
    const domain = domains[i % domains.length] ?? 'example.com';
    return {
      email: `${first}.${last}.${i}@${domain}`.toLowerCase(),
      name: `${first} ${last}`,
      company: companies[i % companies.length] ?? null,
      phone: `+1 555 ${String(1000 + i).padStart(4, '0')}`,
      extra: {},
    };
  });
}

/** Idempotent: seeding twice leaves the same rows (upsert by email). */
export async function seed(db: Database, count = 200): Promise<number> {
  const rows = demoContacts(count);
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insert(contacts)
      .values(rows.slice(i, i + 500))
      .onConflictDoUpdate({
        target: contacts.email,
        set: { name: sql`excluded.name`, company: sql`excluded.company`, updatedAt: sql`now()` },
      });
  }
  return rows.length;
}
