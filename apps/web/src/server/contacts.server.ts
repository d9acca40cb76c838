// template-demo
import { boundedExtra } from '../lib/bounded-extra';
import { findContacts } from './contact-search.server';
import { ApiError, hasControlCharacters } from './http.server';
import { services } from './services.server';

export type ContactView = {
  id: string;
  email: string;
  name: string | null;
  company: string | null;
  phone: string | null;
  /** Bounded in lists (see boundedExtra); `extraTruncated` says when something was cut. */
  extra: Record<string, string>;
  extraTruncated: boolean;
  updatedAt: string;
};

export const encodeContactCursor = (email: string) => Buffer.from(email).toString('base64url');

/** A cursor is what encodeContactCursor made: an email, which never holds a NUL or a line break. */
function decodeContactCursor(cursor: string): string {
  const email = Buffer.from(cursor, 'base64url').toString();
  if (!email.includes('@') || hasControlCharacters(email) || email.includes('\ufffd')) {
    throw new ApiError(400, 'invalid_cursor', 'cursor is not valid: use nextCursor from a page');
  }
  return email;
}

/**
 * One page of a prefix search on email, name and company, ordered by email and paginated by
 * keyset (page 1000 costs what page 1 costs); see findContacts for how it stays on indexes.
 */
export async function searchContacts(options: { q: string; limit: number; cursor?: string }) {
  const { db } = services();
  const after = options.cursor ? decodeContactCursor(options.cursor) : '';
  const rows = await findContacts(db.db, { q: options.q, after, take: options.limit + 1 });
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    contacts: page.map(
      (c): ContactView => ({
        id: c.id,
        email: c.email,
        name: c.name,
        company: c.company,
        phone: c.phone,
        ...boundedExtra(c.extra),
        updatedAt: c.updatedAt.toISOString(),
      }),
    ),
    nextCursor: rows.length > options.limit && last ? encodeContactCursor(last.email) : null,
  };
}
