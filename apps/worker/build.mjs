// Bundles the worker and the migrate command into dist/ for the production image: one file each,
// no node_modules needed at run time. The SQL migrations are copied beside them. Tests pass another
// output folder as the first argument, so a test's bundle never races the image build's.
const outdir = process.argv[2] ?? 'dist';

import { cp } from 'node:fs/promises';
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'src/main.ts', migrate: 'src/migrate-command.ts' },
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'info',
  // CommonJS dependencies inside an ESM bundle still call require(), and some (@next/env's
  // bundle) read __dirname.
  banner: {
    js: [
      "import { createRequire as __createRequire } from 'node:module';",
      "import { dirname as __pathDirname } from 'node:path';",
      "import { fileURLToPath as __fileURLToPath } from 'node:url';",
      'const require = __createRequire(import.meta.url);',
      'const __filename = __fileURLToPath(import.meta.url);',
      'const __dirname = __pathDirname(__filename);',
    ].join(' '),
  },
});
await cp('../../db/migrations', `${outdir}/migrations`, { recursive: true });
