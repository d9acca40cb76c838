// template-demo
/**
 * A contact's `extra` as lists send it: a bounded number of keys and characters per contact, so
 * one contact with a huge imported cell cannot make every page of the list huge. Values are cut
 * with an ellipsis and `extraTruncated` says that something was left out.
 */
export const EXTRA_KEYS_MAX = 20;
export const EXTRA_KEY_MAX_CHARS = 100;
export const EXTRA_VALUE_MAX_CHARS = 200;

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

export function boundedExtra(extra: Record<string, unknown> | null | undefined): {
  extra: Record<string, string>;
  extraTruncated: boolean;
} {
  // A Map, then fromEntries: a header such as `__proto__` stays a plain key.
  const bounded = new Map<string, string>();
  let truncated = false;
  const entries = Object.entries(extra ?? {});
  if (entries.length > EXTRA_KEYS_MAX) truncated = true;
  for (const [key, raw] of entries.slice(0, EXTRA_KEYS_MAX)) {
    // jsonb may hold anything if a row was written by other means than the import.
    const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
    const shortKey = cut(key, EXTRA_KEY_MAX_CHARS);
    const shortValue = cut(value, EXTRA_VALUE_MAX_CHARS);
    if (shortKey !== key || shortValue !== value) truncated = true;
    // Two long keys may share their first characters: the first one keeps the name.
    if (!bounded.has(shortKey)) bounded.set(shortKey, shortValue);
  }
  return { extra: Object.fromEntries(bounded), extraTruncated: truncated };
}
