// Prints one closing line for CI from the JSON results `make test` and `make test-docker` wrote
// with CI=true: "Tests: N passed, N failed, N skipped" (every vitest run, test-results/vitest*.json,
// and Playwright together). Plain Node: it runs after the suite, whatever state node_modules is in.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined);
let passed = 0;
let failed = 0;
let skipped = 0;

const vitestRuns = existsSync('test-results')
  ? readdirSync('test-results')
      .filter((file) => /^vitest.*\.json$/.test(file))
      .map((file) => read(`test-results/${file}`))
  : [];
for (const vitest of vitestRuns) {
  passed += vitest.numPassedTests;
  failed += vitest.numFailedTests;
  skipped += vitest.numPendingTests + vitest.numTodoTests;
  // A file that failed outside any test (a hook timed out, an import threw) skips its tests:
  // count it as one failure, or the line would say "0 failed" for a failed run.
  failed += vitest.testResults.filter(
    (file) =>
      file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'),
  ).length;
}
const playwright = read('test-results/playwright.json');
if (playwright) {
  passed += playwright.stats.expected;
  failed += playwright.stats.unexpected + playwright.stats.flaky;
  skipped += playwright.stats.skipped;
}
if (vitestRuns.length === 0 && !playwright) {
  console.error(
    'ci-summary: no test results found in test-results/ (did make test run with CI=true?)',
  );
  process.exit(1);
}
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
