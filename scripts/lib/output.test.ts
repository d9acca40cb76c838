import { describe, expect, it } from 'vitest';
import { colorEnabled } from './output.ts';

describe('colorEnabled', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };

  it('colours a terminal and not a pipe', () => {
    expect(colorEnabled(tty, {})).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
  });

  it('honours NO_COLOR on a terminal', () => {
    expect(colorEnabled(tty, { NO_COLOR: '1' })).toBe(false);
  });

  it('lets FORCE_COLOR colour a pipe, and FORCE_COLOR=0 turn a terminal plain', () => {
    expect(colorEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: '0' })).toBe(false);
  });
});
