import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbedded } from './embedded-runtime.ts';
import { formatResult } from './format-table.ts';
import { errorLine } from './cli-output.ts';
import { describe } from './progress-line.ts';
import { runScript } from './run-script.ts';

/**
 * The guided tour: every step is a statement a StarRocks operator would type, printed with its result,
 * in a fresh temporary home that is removed at the end.
 */
export async function runDemo(write: (s: string) => void): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'starbackup-demo-'));
  const csv = join(root, 'members.csv');
  writeFileSync(csv, Array.from({ length: 20 }, (_, i) => `${100 + i},member_${100 + i},2024-0${1 + (i % 3)}-1${i % 10}`).join('\n') + '\n');
  const embedded = await openEmbedded(join(root, 'home'));
  const session = {};
  const step = async (title: string, sql: string): Promise<string[][]> => {
    write(`\n-- ${title}\n`);
    let last = '';
    const outcomes = await runScript(embedded.ctx, sql, {
      session,
      progress: (p) => {
        const line = describe(p);
        if (line !== last) write(`   … ${line}\n`);
        last = line;
      },
      onOutcome: (o) => write(`starbackup> ${o.statement};\n${o.error ? `${errorLine(o.error)}\n` : formatResult(o.result!, o.seconds)}`),
    });
    const failed = outcomes.find((o) => o.error);
    if (failed) throw new Error(`demo step failed: ${failed.error!.message}`);
    return (outcomes[outcomes.length - 1]!.result!.rows as string[][]) ?? [];
  };
  const count = async (table: string) => Number((await step(`count the rows of ${table}`, `SELECT COUNT(*) FROM ${table}`))[0]![0]);
  try {
    await step('a database with a range-partitioned, hash-bucketed table', `
      CREATE DATABASE sr_hub; USE sr_hub;
      CREATE TABLE sr_member (id INT NOT NULL, name VARCHAR(64), dt DATE NOT NULL)
      DUPLICATE KEY (id)
      PARTITION BY RANGE (dt) (
        PARTITION p202401 VALUES LESS THAN ("2024-02-01"),
        PARTITION p202402 VALUES LESS THAN ("2024-03-01"),
        PARTITION p202403 VALUES LESS THAN ("2024-04-01"))
      DISTRIBUTED BY HASH (id) BUCKETS 3`);
    await step('load rows: VALUES, then a CSV file through FILES()', `
      INSERT INTO sr_member VALUES (1, 'alice', '2024-01-05'), (2, 'bob', '2024-02-10'), (3, 'carol', '2024-03-15');
      INSERT INTO sr_member SELECT * FROM FILES("path" = "file://${csv}", "format" = "csv", "csv.column_separator" = ",");
      SHOW PARTITIONS FROM sr_member`);
    const before = await count('sr_member');
    mkdirSync(join(root, 'repo')); // a file:// repository's folder must exist, as a mount point would
    await step('a repository on the local file system', `
      CREATE REPOSITORY demo_repo WITH BROKER ON LOCATION "file://${join(root, 'repo')}";
      SHOW REPOSITORIES`);
    await step('back up the database (the statement returns when the job has ended)', 'BACKUP DATABASE sr_hub SNAPSHOT sr_hub_backup TO demo_repo');
    const snapshots = await step('the snapshot and its timestamp', 'SHOW BACKUP FROM sr_hub; SHOW SNAPSHOT ON demo_repo');
    const timestamp = snapshots[0]![1]!;
    await step('rows loaded after the snapshot are not in it', "INSERT INTO sr_member VALUES (4, 'dave', '2024-01-20'), (5, 'erin', '2024-02-21')");
    const after = await count('sr_member');
    await step('restore the snapshot into a new database', `
      RESTORE SNAPSHOT sr_hub_backup FROM demo_repo DATABASE sr_hub AS sr_hub_new
      PROPERTIES ("backup_timestamp" = "${timestamp}");
      SHOW RESTORE FROM sr_hub_new`);
    const restored = await count('sr_hub_new.sr_member');
    const ok = restored === before && after === before + 2;
    write(`\n${ok ? 'OK' : 'MISMATCH'}: sr_hub.sr_member had ${before} rows at the backup and ${after} now; sr_hub_new.sr_member has ${restored}.\n`);
    return ok ? 0 : 1;
  } catch (e) {
    write(`\n${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    await embedded.close();
    rmSync(root, { recursive: true, force: true });
  }
}
