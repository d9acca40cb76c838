import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './coolify-client.ts';

describe('retryAfterMs', () => {
  it('reads seconds, an HTTP date, and ignores what it cannot read', () => {
    const now = Date.parse('2026-11-29T10:00:00Z');
    expect(retryAfterMs('60', now)).toBe(60_000);
    expect(retryAfterMs('Sun, 29 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Sun, 29 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
