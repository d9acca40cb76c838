// template-demo
import { checkImportFile } from '@app/shared/contracts/import-file-rules';
import { formatBytes } from './format';

/**
 * The browser's check before uploading: the API's own rules (import-file-rules: name, type,
 * empty, size), said in words a person can act on. The server checks again; this only saves a
 * wasted upload.
 */
export function checkUpload(
  file: { name: string; type?: string; size: number },
  maxBytes: number,
): string | undefined {
  const verdict = checkImportFile(file, maxBytes);
  if (verdict.ok) return undefined;
  if (verdict.code === 'not_csv') {
    return `“${file.name}” is not a .csv file. In a spreadsheet, use “Download” or “Save as” › CSV.`;
  }
  if (verdict.code === 'empty') return `“${file.name}” is empty.`;
  return `“${file.name}” is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}.`;
}
