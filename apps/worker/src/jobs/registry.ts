import type { RegisteredJob } from './handler.ts';
import { importContactsHandler } from './handlers/contacts-import.ts';

/**
 * The worker's job registry: one line per job type, pairing a definition with its handler.
 */
export const registry: readonly RegisteredJob[] = [importContactsHandler];
