// template-demo
import type { Database } from './client.ts';
import { type Import, importChunks, imports } from './schema.ts';

/** Uploads are stored in 1 MiB rows: big enough to be cheap, small enough to stream. */
export const IMPORT_CHUNK_BYTES = 1024 * 1024;

/**
 * Stores an uploaded file and its `imports` row in one transaction: either both exist or neither.
 */
export async function storeImportFile(
  db: Database,
  filename: string,
  bytes: Uint8Array,
): Promise<Import> {
  return db.transaction(async (tx) => {
    const [created] = await tx
      .insert(imports)
      .values({ filename: filename.slice(0, 255), sizeBytes: bytes.byteLength })
      .returning();
    if (!created) throw new Error('insert into imports returned no row');
    for (let offset = 0, seq = 0; offset < bytes.byteLength; offset += IMPORT_CHUNK_BYTES, seq++) {
      const end = Math.min(offset + IMPORT_CHUNK_BYTES, bytes.byteLength);
      const data = Buffer.from(bytes.buffer, bytes.byteOffset + offset, end - offset);
      await tx.insert(importChunks).values({ importId: created.id, seq, data });
    }
    return created;
  });
}
