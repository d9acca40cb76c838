import { EnvError } from '@app/db/config';
import { env } from './env';
import { refuseUnsupportedMethods } from './server/unsupported-methods.server';

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

// Before the first request: TRACE and TRACK get a 405 instead of Next's 500 and stack trace.
refuseUnsupportedMethods();
