// template-demo
// Which uploads a contacts import accepts, defined once for the three places that check a file:
// the browser (a hint before a wasted upload), the upload API (the verdict, with a 4xx) and the
// worker's sniff (the content itself, on every attempt). Dependency-free: the upload form imports it.

/** File name endings accepted: spreadsheets export `.csv`; some tools save CSV text as `.txt`. */
export const importFileExtensions = ['.csv', '.txt'] as const;

/**
 * MIME types browsers and tools send for CSV text. Empty: the browser did not know (common on
 * Windows for `.csv`); the name and the content decide then.
 */
export const importFileTypes = [
  'text/csv',
  'application/csv',
  'text/plain',
  'application/vnd.ms-excel',
  'text/x-csv',
  '',
] as const;

/** The `accept` attribute of the file input: the same list, as browsers read it. */
export const importFileAccept = [...importFileExtensions, 'text/csv'].join(',');

/** The default upload limit (IMPORT_MAX_BYTES overrides it in the web's env). */
export const DEFAULT_IMPORT_MAX_BYTES = 50 * 1024 * 1024;

/** How much of a file's head the sniff reads: the header row must end within it. */
export const SNIFF_BYTES = 64 * 1024;

/** What the content checks say, the same words from the API and from a failed import. */
export const importContentMessages = {
  empty: 'the file is empty',
  binary: 'this looks like a binary file, not CSV text',
  notUtf8: 'the file is not UTF-8 text (in a spreadsheet: save as "CSV UTF-8")',
  noRows: 'the file has a header row but no data rows',
} as const;

const hasImportExtension = (name: string) =>
  importFileExtensions.some((ext) => name.toLowerCase().endsWith(ext));

/** The MIME type without parameters (`text/csv; charset=utf-8` → `text/csv`). */
const baseType = (type: string) => type.split(';')[0]?.trim().toLowerCase() ?? '';

export type FileVerdict =
  | { ok: true }
  | { ok: false; code: 'not_csv' | 'empty' | 'file_too_large' };

/**
 * The size, name and type rules, in the order the API answers them (not the content: the sniff
 * reads that). A `text/csv` type makes up for an unusual name; otherwise the name must end in
 * `.csv`/`.txt`, and the type must be one of `importFileTypes`.
 */
export function checkImportFile(
  file: { name: string; type?: string; size: number },
  maxBytes: number,
): FileVerdict {
  if (file.size > maxBytes) return { ok: false, code: 'file_too_large' };
  const type = baseType(file.type ?? '');
  const looksLikeCsv = hasImportExtension(file.name) || type === 'text/csv';
  if (!looksLikeCsv || !(importFileTypes as readonly string[]).includes(type)) {
    return { ok: false, code: 'not_csv' };
  }
  if (file.size === 0) return { ok: false, code: 'empty' };
  return { ok: true };
}
