import { contactsImport } from './contacts-import.ts';

/** Every job type the worker runs. The web app may enqueue any of them; only the worker runs them. */
export const jobDefinitions = [contactsImport] as const;

export type JobName = (typeof jobDefinitions)[number]['name'];

export { contactsImport };
