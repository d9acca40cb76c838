import { describe, expect, it } from 'vitest';
import { compareStreamIds, sseFrame } from './sse.ts';

describe('stream ids and SSE frames', () => {
  it('orders ids by time, then sequence, as numbers', () => {
    const ids = ['10-0', '9-5', '9-10', '1700000000000-2', '1700000000000-10'];
    expect([...ids].sort(compareStreamIds)).toEqual([
      '9-5',
      '9-10',
      '10-0',
      '1700000000000-2',
      '1700000000000-10',
    ]);
    expect(compareStreamIds('5-1', '5-1')).toBe(0);
  });

  it('frames an event on one data line, with its id when it has one', () => {
    expect(sseFrame({ id: '1-0', event: 'x', data: { a: 'two\nlines' } })).toBe(
      'id: 1-0\nevent: x\ndata: {"a":"two\\nlines"}\n\n',
    );
    expect(sseFrame({ event: 'reset', data: {} })).toBe('event: reset\ndata: {}\n\n');
  });
});
