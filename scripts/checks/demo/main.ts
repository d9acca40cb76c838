import path from 'node:path';
import { demoViolations } from './guard.ts';

// Lists every file outside the demo rule that still depends on the demo (decision 0095); exit 1
// while there is one. `pnpm exec tsx scripts/checks/demo/main.ts`.
const root = path.resolve(import.meta.dirname, '../../..');
const violations = demoViolations(root);
for (const violation of violations) console.error(`✗ ${violation}`);
if (violations.length > 0) {
  console.error(`✗ ${violations.length} dependencies on the demo outside the rule: mark the file`);
  console.error(
    '  "// template-demo" (first line) or wrap the lines in "// demo:start" … "// demo:end"',
  );
  process.exit(1);
}
console.error('✓ nothing outside the demo rule depends on the demo');
