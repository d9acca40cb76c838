import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sidecarName } from './files.ts';
import type { S3Settings } from './settings.ts';

export function s3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    // Checksums only where S3 requires them: the SDK's default (a CRC trailer in an aws-chunked
    // body on every upload) is not understood by every S3-compatible service and was stored as
    // part of the object by one in the tests. Integrity is the sidecar's SHA-256 either way.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    // Without keys the SDK's default chain applies (env, instance role).
    ...(settings.accessKeyId && settings.secretAccessKey
      ? {
          credentials: {
            accessKeyId: settings.accessKeyId,
            secretAccessKey: settings.secretAccessKey,
          },
        }
      : {}),
  });
}

export const objectKey = (settings: S3Settings, file: string) =>
  settings.prefix ? `${settings.prefix.replace(/\/+$/, '')}/${file}` : file;

/**
 * Uploads a finished backup and its sidecar (the sidecar last, so an object listing never shows
 * metadata for a dump that is not there yet); returns the dump's `s3://bucket/key`. Retention
 * in the bucket is left to its lifecycle rules: the worker never deletes off-site copies.
 */
export async function uploadBackup(settings: S3Settings, dumpPath: string): Promise<string> {
  const client = s3Client(settings);
  try {
    for (const file of [dumpPath, sidecarName(dumpPath)]) {
      const key = objectKey(settings, path.basename(file));
      await client.send(
        new PutObjectCommand({
          Bucket: settings.bucket,
          Key: key,
          Body: createReadStream(file),
          ContentLength: (await stat(file)).size,
          ContentType: file.endsWith('.json') ? 'application/json' : 'application/octet-stream',
        }),
      );
    }
    return `s3://${settings.bucket}/${objectKey(settings, path.basename(dumpPath))}`;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`upload to s3://${settings.bucket} failed: ${message}`, { cause: error });
  } finally {
    client.destroy();
  }
}
