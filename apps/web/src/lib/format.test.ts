import { describe, expect, it } from 'vitest';
import {
  // demo:start
  describeStatus,
  // demo:end
  formatBytes,
  formatDuration,
  formatNumber,
  percent,
} from './format';
// demo:start
import { checkUpload } from './upload-check';

// demo:end

describe('percent', () => {
  it('rounds down, so 100% means done', () => {
    expect(percent(0.999)).toBe(99);
    expect(percent(1)).toBe(100);
  });
  it('clamps values outside 0..1', () => {
    expect(percent(-0.2)).toBe(0);
    expect(percent(1.5)).toBe(100);
  });
});

describe('formatting', () => {
  it('formats numbers, sizes and durations for people', () => {
    expect(formatNumber(12345)).toBe('12,345');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50.0 MB');
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(450)).toBe('450 ms');
    expect(formatDuration(4400)).toBe('4.4 s');
    expect(formatDuration(125_000)).toBe('2 min 05 s');
  });
  // demo:start
  it('says "Cancelling…" while a cancel is pending', () => {
    expect(describeStatus({ status: 'running', cancelRequested: true })).toBe('Cancelling…');
    expect(describeStatus({ status: 'cancelled', cancelRequested: true })).toBe('Cancelled');
  });
  // demo:end
});

// demo:start
describe('checkUpload', () => {
  const max = 1024 * 1024;
  it('accepts a CSV within the limit, whatever the extension case', () => {
    expect(checkUpload({ name: 'Contacts.CSV', size: 10 }, max)).toBeUndefined();
  });
  it('refuses other types, empty files and files over the limit, naming the file', () => {
    expect(checkUpload({ name: 'contacts.xlsx', size: 10 }, max)).toMatch(/not a \.csv file/);
    expect(checkUpload({ name: 'a.csv', size: 0 }, max)).toBe('“a.csv” is empty.');
    expect(checkUpload({ name: 'big.csv', size: 3 * max }, max)).toBe(
      '“big.csv” is 3.0 MB; the limit is 1.0 MB.',
    );
  });
});
// demo:end
