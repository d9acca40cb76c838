// template-demo
/**
 * A contacts file as a spreadsheet exports it: UTF-8 BOM, CRLF line ends, quoted fields with
 * commas, quotes and a line break, "First Name"/"Last Name"/"E-mail Address" headers, a column
 * the app does not know (kept as extra data), and a few invalid rows.
 */
export type ContactsCsv = {
  bytes: Buffer;
  rows: number;
  /** File line numbers (header = 1) of the invalid rows, ascending. */
  invalidLines: number[];
  /** A contact that is certainly in the file, to search for. */
  needle: { name: string; email: string; company: string };
};

const firstNames = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken'];
const lastNames = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen'];
const companies = ['Initech', 'Globex, Ltd', 'Umbrella "Labs"', 'Hooli', 'Vandelay Industries'];

const cell = (value: string) =>
  /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

export function contactsCsv(rows: number, invalidEvery: number): ContactsCsv {
  const needle = { name: 'Zora Quill', email: 'zora.quill@example.com', company: 'Acme, Inc.' };
  const lines = [['First Name', 'Last Name', 'E-mail Address', 'Company', 'Phone', 'Notes']];
  const invalidLines: number[] = [];
  lines.push([
    'Zora',
    'Quill',
    needle.email,
    needle.company,
    '+1 555 0100',
    'Met at "DevDays"\r\ncall in May',
  ]);
  for (let i = 1; i < rows; i++) {
    const first = firstNames[i % firstNames.length] ?? 'Ada';
    const last = lastNames[i % lastNames.length] ?? 'Lovelace';
    const invalid = i % invalidEvery === 0;
    // The record's number in the file is its line as the import reports it (header = 1).
    if (invalid) invalidLines.push(i + 2);
    lines.push([
      first,
      last,
      invalid ? `${first.toLowerCase()} at example dot com` : `${first}.${last}.${i}@Example.org`,
      companies[i % companies.length] ?? '',
      `+44 20 7946 ${String(i % 10_000).padStart(4, '0')}`,
      i % 7 === 0 ? 'prefers email, not phone' : '',
    ]);
  }
  const text = lines.map((line) => line.map(cell).join(',')).join('\r\n');
  return { bytes: Buffer.from(`\uFEFF${text}\r\n`, 'utf8'), rows, invalidLines, needle };
}
