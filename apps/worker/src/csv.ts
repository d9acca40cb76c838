// The CSV rules of contact imports, for the web app's upload check.
export * from './imports/csv-format.ts';
