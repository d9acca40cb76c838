// template-demo
import type { Import, ImportView } from '@app/db';
import { contactsImport } from '@app/shared/contracts';
import { checkImportFile } from '@app/shared/contracts/import-file-rules';
import { checkCsvUpload } from '@app/shared/csv';
import { publishEvent } from '@app/shared/events';
import * as lifecycle from '@app/shared/imports';
import { enqueue } from '@app/shared/queues';
import { env } from '../env';
import { formatMb } from './body-limits';
import { ApiError, hasControlCharacters } from './http.server';
import { services } from './services.server';

// The web's binding of the import lifecycle (@app/shared/imports): this process's database,
// queues and event stream, and its refusals as the API's errors. Pages and routes call these.

/** The lifecycle's context for this process: its pool, its import queue, its event stream. */
export function importContext(): lifecycle.RequestContext {
  const { db, queues, redis } = services();
  const jobOf = async (importId: string) => {
    const jobId = contactsImport.jobId?.({ importId });
    return jobId ? queues.imports.getJob(jobId) : undefined;
  };
  return {
    db: db.db,
    publish: (event) => publishEvent(redis, env().QUEUE_PREFIX, event),
    jobs: {
      enqueue: async (importId) => {
        await enqueue(queues, contactsImport, { importId });
      },
      state: async (importId) => (await (await jobOf(importId))?.getState()) ?? 'missing',
      remove: async (importId) => {
        await (await jobOf(importId))?.remove();
      },
    },
  };
}

/** The lifecycle's refusals (404, 409, a bad cursor) as the API answers them. */
async function asApi<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof lifecycle.ImportStateError) {
      throw new ApiError(error.status, error.code, error.message);
    }
    throw error;
  }
}

export type UploadedFile = {
  name: string;
  type: string;
  size: number;
  bytes: () => Promise<Uint8Array>;
};

/**
 * Checks an upload (the API's verdict on the file rules and the content), then hands it to the
 * lifecycle's createImport: stored with its row in one transaction, enqueued, announced.
 */
export async function createImport(file: UploadedFile): Promise<ImportView> {
  const max = env().IMPORT_MAX_BYTES;
  // The rules the browser hints with and the worker sniffs by (import-file-rules), judged here.
  const verdict = checkImportFile(file, max);
  if (!verdict.ok && verdict.code === 'file_too_large') {
    throw new ApiError(
      413,
      'file_too_large',
      `the file is ${formatMb(file.size)} (${file.size} bytes); the limit is ${formatMb(max)} (${max} bytes)`,
    );
  }
  // Postgres text cannot hold a NUL, and control characters have no place in a name shown in lists
  // and headers.
  if (hasControlCharacters(file.name)) {
    throw new ApiError(
      400,
      'invalid_filename',
      'the file name contains control characters; rename the file and upload it again',
    );
  }
  if (!verdict.ok && verdict.code === 'not_csv') {
    throw new ApiError(
      415,
      'not_csv',
      `expected a .csv file, got "${file.name}" (${file.type || 'unknown type'})`,
    );
  }
  const bytes = await file.bytes();
  // The head's rules (email column, header only…) plus UTF-8 and NUL over every byte: a file the
  // worker would refuse is refused here, before anything is stored.
  const checked = checkCsvUpload(bytes);
  if (!checked.ok) {
    const status = checked.code === 'binary' || checked.code === 'not_utf8' ? 415 : 422;
    throw new ApiError(status, checked.code, checked.message);
  }

  return asApi(() => lifecycle.createImport(importContext(), file.name, bytes));
}

export const listImports = (options: { limit: number; cursor?: string }) =>
  asApi(() => lifecycle.listImports(importContext(), options));

export const getImport = (id: string): Promise<Import> =>
  asApi(() => lifecycle.getImport(importContext(), id));

export const firstErrors = (id: string, limit = 100) =>
  lifecycle.firstErrors(importContext(), id, limit);

export const errorsCsvStream = (id: string) => lifecycle.errorsCsvStream(importContext(), id);

export const retryImport = (id: string): Promise<ImportView> =>
  asApi(() => lifecycle.retryImport(importContext(), id));

export const cancelImport = (id: string): Promise<ImportView> =>
  asApi(() => lifecycle.cancelImport(importContext(), id));
