import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openObjectStore } from '../../lib/adapters/storage/registry.ts';
import { listAll } from '../../lib/ports/object-io.ts';
import { S3RVER_KEY } from '../support/s3-server.ts';
import { freshS3Location, s3Endpoint, s3rverProperties } from '../support/s3-test-store.ts';
import { sortedRows } from '../support/sample-database.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { type TestCluster, openTestCluster, snapshotTimestamp } from '../support/test-cluster.ts';

/**
 * Compressed backups (ours, beyond StarRocks) through S3 (the shared s3rver): a repository whose default is
 * zstd, a blob of several chunks sent as a stream of unknown length, restored and verified.
 */
const temp = useTempDirs('compressed-backends');
let c: TestCluster;

beforeAll(async () => {
  const dir = await temp.make();
  c = await openTestCluster(dir);
  const csv = join(dir, 'big.csv');
  writeFileSync(csv, Array.from({ length: 60_000 }, (_, i) => `${i}\trow number ${i} of a text-ish table ${i % 97}\n`).join(''));
  await c.sql(`CREATE DATABASE src; CREATE TABLE src.big (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 2;
    INSERT INTO src.big SELECT * FROM FILES("path" = "file://${csv}", "format" = "csv")`);
});
afterAll(async () => c?.close());

describe('compressed backups on S3', () => {
  it('a zstd repository default: blobs land as .zst, the snapshot restores and VERIFY reads it', async () => {
    const location = freshS3Location('bucket_s3', 'zstd');
    await c.sql(`CREATE REPOSITORY s3z WITH BROKER ON LOCATION "${location}" PROPERTIES (
      "aws.s3.access_key" = "${S3RVER_KEY}", "aws.s3.secret_key" = "${S3RVER_KEY}", "aws.s3.region" = "us-east-1",
      "aws.s3.endpoint" = "${s3Endpoint()}", "compression" = "zstd")`);
    await c.sql('BACKUP DATABASE src SNAPSHOT s TO s3z');
    const ts = await snapshotTimestamp(c, 's3z', 's');
    const blobs = (await listAll(openObjectStore(location, s3rverProperties()), '')).filter((k) => k.includes('/__blobs/'));
    expect(blobs.length).toBe(2);
    for (const k of blobs) expect(k).toMatch(/\/__blobs\/([0-9a-f]{2})\/\1[0-9a-f]{62}\.zst$/);
    await c.sql(`RESTORE SNAPSHOT s FROM s3z DATABASE src AS back PROPERTIES ("backup_timestamp" = "${ts}")`);
    expect(await sortedRows(c, 'back.big')).toEqual(await sortedRows(c, 'src.big'));
    expect(await c.rows('ADMIN VERIFY SNAPSHOT s ON s3z PROPERTIES ("read_data" = "true")')).toEqual([['s', ts, null, null, 'OK']]);
  });
});
