// Bundles the worker and the migrate command into dist/ for the production image: one file each,
// no node_modules needed at run time. The SQL migrations are copied beside them.
import { cp } from 'node:fs/promises';
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'src/main.ts', migrate: '../../db/src/cli/migrate.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'info',
  // CommonJS dependencies inside an ESM bundle still call require().
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
await cp('../../db/migrations', 'dist/migrations', { recursive: true });
