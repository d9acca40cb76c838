import { EnvError } from '@app/db/config';
import { env } from './env';
import { connectServices } from './server/services.server';

// Validate the environment before any request is served: one line per problem, exit 1.
try {
  env();
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  console.error(
    `web: invalid environment (fix .env or the variables below; see .env.example):\n${error.problems.join('\n')}`,
  );
  process.exit(1);
}

/** Runs before the first request is served: Redis is connected by then (see connectServices). */
export async function start(): Promise<void> {
  await connectServices();
}
