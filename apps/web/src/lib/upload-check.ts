import { formatBytes } from './format';

/**
 * The browser's check before uploading: the same limits the server enforces (type, empty, size),
 * said in words a person can act on. The server checks again; this only saves a wasted upload.
 */
export function checkUpload(
  file: { name: string; size: number },
  maxBytes: number,
): string | undefined {
  if (!/\.csv$/i.test(file.name)) {
    return `“${file.name}” is not a .csv file. In a spreadsheet, use “Download” or “Save as” › CSV.`;
  }
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (file.size > maxBytes) {
    return `“${file.name}” is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}.`;
  }
  return undefined;
}
