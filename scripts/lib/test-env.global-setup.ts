import { loadRootEnv } from '@app/shared/env/node';

// First global setup of the integration project: the repository's env files, read by the same
// loader as every process (so a TEST_DATABASE_URL in .env.local counts), before
// db/testing/global-setup.ts looks for Postgres and Redis.
export default function setup() {
  loadRootEnv();
}
