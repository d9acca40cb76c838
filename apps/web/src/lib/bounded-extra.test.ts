// template-demo
import { describe, expect, it } from 'vitest';
import { boundedExtra, EXTRA_KEYS_MAX, EXTRA_VALUE_MAX_CHARS } from './bounded-extra';

describe('boundedExtra', () => {
  it('passes small extra data through unchanged', () => {
    expect(boundedExtra({ Notes: 'hi', Size: '38' })).toEqual({
      extra: { Notes: 'hi', Size: '38' },
      extraTruncated: false,
    });
    expect(boundedExtra(null)).toEqual({ extra: {}, extraTruncated: false });
  });

  it('cuts a 9.5 MB cell to a short value with a marker', () => {
    const { extra, extraTruncated } = boundedExtra({ Blob: 'x'.repeat(9_500_000), Ok: 'fine' });
    expect(extraTruncated).toBe(true);
    expect(extra.Blob).toBe(`${'x'.repeat(EXTRA_VALUE_MAX_CHARS)}…`);
    expect(extra.Ok).toBe('fine');
    expect(JSON.stringify(extra).length).toBeLessThan(EXTRA_VALUE_MAX_CHARS * 2);
  });

  it('keeps at most EXTRA_KEYS_MAX keys, and cuts long keys', () => {
    const many = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`${i}${'k'.repeat(300)}`, 'v']),
    );
    const { extra, extraTruncated } = boundedExtra(many);
    expect(extraTruncated).toBe(true);
    expect(Object.keys(extra)).toHaveLength(EXTRA_KEYS_MAX);
    for (const key of Object.keys(extra)) expect(key.length).toBeLessThanOrEqual(101);
  });
});
