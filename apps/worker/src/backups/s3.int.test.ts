import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDb } from '@app/db';
import { insertExamples, resetDatabase, testEnv } from '@app/db/testing';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, startS3Server } from '../testing/s3-server.ts';
import { runBackup } from './backup.ts';
import { listBackups } from './files.ts';
import { databaseName } from './pg-tools.ts';
import { s3Client } from './s3.ts';
import type { S3Settings } from './settings.ts';

let server: S3Server;
let dir: string;

beforeAll(async () => {
  server = await startS3Server();
  dir = await mkdtemp(path.join(tmpdir(), 'backup-s3-'));
});
afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('backup upload to S3-compatible storage', () => {
  it('uploads the dump and its metadata, byte for byte, under the prefix', async () => {
    const { databaseUrl } = await testEnv();
    const db = createDb(databaseUrl, { max: 1 });
    try {
      await resetDatabase(db.sql);
      await insertExamples(db.sql, 100);
    } finally {
      await db.close();
    }
    const s3: S3Settings = {
      bucket: server.bucket,
      prefix: 'nightly/',
      region: 'us-east-1',
      endpoint: server.endpoint,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      forcePathStyle: true,
    };
    const result = await runBackup({ databaseUrl, dir, keep: { daily: 7, weekly: 4 }, s3 });
    const key = `nightly/${result.file}`;
    expect(result.locations).toEqual([result.path, `s3://${server.bucket}/${key}`]);

    const client = s3Client(s3);
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
      expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(
        [key, key.replace('.dump', '.json')].sort(),
      );
      const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
      const uploaded = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      expect(uploaded.equals(await readFile(result.path))).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it('fails naming the bucket when the upload is refused, keeping the local backup', async () => {
    const { databaseUrl } = await testEnv();
    const s3: S3Settings = {
      bucket: 'no-such-bucket',
      prefix: '',
      region: 'us-east-1',
      endpoint: server.endpoint,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      forcePathStyle: true,
    };
    const before = await listBackups(dir, databaseName(databaseUrl));
    await expect(
      runBackup({ databaseUrl, dir, keep: { daily: 7, weekly: 4 }, s3 }),
    ).rejects.toThrow(/^upload to s3:\/\/no-such-bucket failed: .*bucket/i);
    expect(await listBackups(dir, databaseName(databaseUrl))).toHaveLength(before.length + 1);
  });
});
