import { defineConfig } from 'drizzle-kit';

// drizzle-kit is a development tool: `make db-generate` diffs the schema and writes SQL into
// db/migrations, which is committed. Generation needs no database, so no URL is read here.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: './migrations',
  strict: true,
  verbose: true,
});
