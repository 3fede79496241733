import { describe, expect, it } from 'vitest';
import type { Statement } from '../../lib/sql/ast.ts';
import { parseStatements } from '../../lib/sql/parse.ts';
import { specSqlBlocks, withoutText as ast, type Body } from './helpers.ts';

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
const blocks = specSqlBlocks();
const statements: Statement[] = blocks.flatMap((b) => parseStatements(b));

/** The one spec statement whose text, whitespace collapsed, is `text`. */
function find(text: string): Statement {
  const hits = statements.filter((s) => squash(s.text) === squash(text));
  expect(hits, text).toHaveLength(1);
  return hits[0] as Statement;
}

const TS = { backup_timestamp: '2024-12-09-10-52-10-940' };

describe('the backup-and-restore user guide', () => {
  it('has SQL blocks, and every statement in them parses', () => {
    // Every ```SQL block of the guide (test/fixtures/spec-statements.sql), none lost.
    expect(blocks).toHaveLength(48);
    for (const block of blocks) expect(() => parseStatements(block), block).not.toThrow();
    expect(statements).toHaveLength(54);
  });

  it('gives each statement its own trimmed text, without comments before it or the semicolon', () => {
    for (const s of statements) {
      expect(s.text).toBe(s.text.trim());
      expect(s.text.endsWith(';')).toBe(false);
      expect(s.text.startsWith('--')).toBe(false);
    }
  });

  it('reads properties with // comments after them', () => {
    const s = statements.find((x) => x.kind === 'CreateRepository' && x.location.startsWith('hdfs://'));
    expect(s && ast(s)).toEqual({
      kind: 'CreateRepository',
      name: 'test_repo',
      readOnly: false,
      location: 'hdfs://<hdfs_host>:<hdfs_port>/repo_dir/backup',
      properties: { username: '<hdfs_username>', password: '<hdfs_password>' },
    });
    const s3 = statements.filter((x) => x.kind === 'CreateRepository' && x.properties['aws.s3.iam_role_arn']);
    expect(s3.map((x) => x.kind === 'CreateRepository' && x.properties)).toEqual([
      {
        'aws.s3.use_instance_profile': 'true',
        'aws.s3.iam_role_arn': 'arn:aws:iam::xxxxxxxxxx:role/yyyyyyyy',
        'aws.s3.region': 'us-east-1',
      },
    ]);
  });

  const table: [string, Body][] = [
    [
      'BACKUP DATABASE sr_hub SNAPSHOT sr_hub_backup TO test_repo',
      { kind: 'Backup', db: 'sr_hub', snapshot: { name: 'sr_hub_backup' }, repo: 'test_repo', properties: {} },
    ],
    [
      'BACKUP SNAPSHOT sr_hub.sr_hub_backup TO test_repo',
      { kind: 'Backup', snapshot: { db: 'sr_hub', name: 'sr_hub_backup' }, repo: 'test_repo', properties: {} },
    ],
    [
      'BACKUP SNAPSHOT sr_hub.sr_member_backup TO test_repo ON (sr_member)',
      {
        kind: 'Backup', snapshot: { db: 'sr_hub', name: 'sr_member_backup' }, repo: 'test_repo',
        on: [{ kind: 'TABLE', name: { name: 'sr_member' } }], properties: {},
      },
    ],
    [
      'BACKUP DATABASE sr_hub SNAPSHOT sr_core_backup TO test_repo ON (TABLE sr_member, TABLE sr_pmc)',
      {
        kind: 'Backup', db: 'sr_hub', snapshot: { name: 'sr_core_backup' }, repo: 'test_repo',
        on: [{ kind: 'TABLE', name: { name: 'sr_member' } }, { kind: 'TABLE', name: { name: 'sr_pmc' } }],
        properties: {},
      },
    ],
    [
      'BACKUP DATABASE sr_hub SNAPSHOT sr_par_backup TO test_repo ON (TABLE sr_member PARTITION (p1))',
      {
        kind: 'Backup', db: 'sr_hub', snapshot: { name: 'sr_par_backup' }, repo: 'test_repo',
        on: [{ kind: 'TABLE', name: { name: 'sr_member' }, partitions: ['p1'] }], properties: {},
      },
    ],
    [
      'BACKUP SNAPSHOT sr_hub.sr_par_backup TO test_repo ON (sr_member PARTITION (p1))',
      {
        kind: 'Backup', snapshot: { db: 'sr_hub', name: 'sr_par_backup' }, repo: 'test_repo',
        on: [{ kind: 'TABLE', name: { name: 'sr_member' }, partitions: ['p1'] }], properties: {},
      },
    ],
    [
      'BACKUP DATABASE sr_hub SNAPSHOT sr_all_backup TO test_repo ON (ALL TABLES)',
      { kind: 'Backup', db: 'sr_hub', snapshot: { name: 'sr_all_backup' }, repo: 'test_repo', on: [{ kind: 'ALL_TABLES' }], properties: {} },
    ],
    [
      'BACKUP DATABASE sr_hub SNAPSHOT sr_mv2_backup TO test_repo ON (MATERIALIZED VIEW sr_mv1, MATERIALIZED VIEW sr_mv2)',
      {
        kind: 'Backup', db: 'sr_hub', snapshot: { name: 'sr_mv2_backup' }, repo: 'test_repo',
        on: [{ kind: 'MATERIALIZED_VIEW', name: { name: 'sr_mv1' } }, { kind: 'MATERIALIZED_VIEW', name: { name: 'sr_mv2' } }],
        properties: {},
      },
    ],
    [
      'BACKUP DATABASE sr_hub SNAPSHOT sr_mv3_backup TO test_repo ON (ALL MATERIALIZED VIEWS)',
      { kind: 'Backup', db: 'sr_hub', snapshot: { name: 'sr_mv3_backup' }, repo: 'test_repo', on: [{ kind: 'ALL_MATERIALIZED_VIEWS' }], properties: {} },
    ],
    [
      'BACKUP DATABASE sr_hub SNAPSHOT sr_view2_backup TO test_repo ON (VIEW sr_view1, VIEW sr_view2)',
      {
        kind: 'Backup', db: 'sr_hub', snapshot: { name: 'sr_view2_backup' }, repo: 'test_repo',
        on: [{ kind: 'VIEW', name: { name: 'sr_view1' } }, { kind: 'VIEW', name: { name: 'sr_view2' } }], properties: {},
      },
    ],
    [
      'BACKUP DATABASE sr_hub SNAPSHOT sr_view3_backup TO test_repo ON (ALL VIEWS)',
      { kind: 'Backup', db: 'sr_hub', snapshot: { name: 'sr_view3_backup' }, repo: 'test_repo', on: [{ kind: 'ALL_VIEWS' }], properties: {} },
    ],
    [
      'BACKUP DATABASE sr_hub SNAPSHOT sr_udf1_backup TO test_repo ON (FUNCTION sr_udf1)',
      { kind: 'Backup', db: 'sr_hub', snapshot: { name: 'sr_udf1_backup' }, repo: 'test_repo', on: [{ kind: 'FUNCTION', name: { name: 'sr_udf1' } }], properties: {} },
    ],
    [
      'BACKUP DATABASE sr_hub SNAPSHOT sr_udf3_backup TO test_repo ON (ALL FUNCTIONS)',
      { kind: 'Backup', db: 'sr_hub', snapshot: { name: 'sr_udf3_backup' }, repo: 'test_repo', on: [{ kind: 'ALL_FUNCTIONS' }], properties: {} },
    ],
    [
      'BACKUP EXTERNAL CATALOG (iceberg) SNAPSHOT iceberg_backup TO test_repo',
      {
        kind: 'Backup', snapshot: { name: 'iceberg_backup' }, repo: 'test_repo',
        catalogs: { all: false, items: [{ name: 'iceberg' }] }, properties: {},
      },
    ],
    [
      'BACKUP EXTERNAL CATALOGS (iceberg, hive) SNAPSHOT iceberg_hive_backup TO test_repo',
      {
        kind: 'Backup', snapshot: { name: 'iceberg_hive_backup' }, repo: 'test_repo',
        catalogs: { all: false, items: [{ name: 'iceberg' }, { name: 'hive' }] }, properties: {},
      },
    ],
    [
      'BACKUP ALL EXTERNAL CATALOGS SNAPSHOT all_catalog_backup TO test_repo',
      { kind: 'Backup', snapshot: { name: 'all_catalog_backup' }, repo: 'test_repo', catalogs: { all: true }, properties: {} },
    ],
    ['CANCEL BACKUP FOR EXTERNAL CATALOG', { kind: 'CancelBackup', externalCatalog: true }],
    ['CANCEL RESTORE FOR EXTERNAL CATALOG', { kind: 'CancelRestore', externalCatalog: true }],
    [
      'RESTORE SNAPSHOT sr_hub_backup FROM test_repo DATABASE sr_hub PROPERTIES("backup_timestamp" = "2024-12-09-10-25-58-842")',
      {
        kind: 'Restore', snapshot: { name: 'sr_hub_backup' }, repo: 'test_repo', db: 'sr_hub',
        properties: { backup_timestamp: '2024-12-09-10-25-58-842' },
      },
    ],
    [
      'RESTORE SNAPSHOT sr_hub.sr_hub_backup FROM `test_repo` PROPERTIES("backup_timestamp" = "2024-12-09-10-25-58-842")',
      {
        kind: 'Restore', snapshot: { db: 'sr_hub', name: 'sr_hub_backup' }, repo: 'test_repo',
        properties: { backup_timestamp: '2024-12-09-10-25-58-842' },
      },
    ],
    [
      'RESTORE SNAPSHOT sr_hub_backup FROM test_repo DATABASE sr_hub AS sr_hub_new PROPERTIES("backup_timestamp" = "2024-12-09-10-25-58-842")',
      {
        kind: 'Restore', snapshot: { name: 'sr_hub_backup' }, repo: 'test_repo', db: 'sr_hub', dbAlias: 'sr_hub_new',
        properties: { backup_timestamp: '2024-12-09-10-25-58-842' },
      },
    ],
    [
      'RESTORE SNAPSHOT sr_hub.sr_member_backup FROM test_repo ON (sr_member) PROPERTIES ("backup_timestamp"="2024-12-09-10-52-10-940")',
      {
        kind: 'Restore', snapshot: { db: 'sr_hub', name: 'sr_member_backup' }, repo: 'test_repo',
        on: [{ kind: 'TABLE', name: { name: 'sr_member' } }], properties: TS,
      },
    ],
    [
      'RESTORE SNAPSHOT sr_member_backup FROM test_repo DATABASE sr_hub AS sr_hub_new ON (TABLE sr_member AS sr_member_new) PROPERTIES ("backup_timestamp" = "2024-12-09-10-52-10-940")',
      {
        kind: 'Restore', snapshot: { name: 'sr_member_backup' }, repo: 'test_repo', db: 'sr_hub', dbAlias: 'sr_hub_new',
        on: [{ kind: 'TABLE', name: { name: 'sr_member' }, alias: 'sr_member_new' }], properties: TS,
      },
    ],
    [
      'RESTORE SNAPSHOT sr_all_backup FROM test_repo DATABASE sr_hub ON (ALL TABLES)',
      { kind: 'Restore', snapshot: { name: 'sr_all_backup' }, repo: 'test_repo', db: 'sr_hub', on: [{ kind: 'ALL_TABLES' }], properties: {} },
    ],
    [
      'RESTORE SNAPSHOT sr_hub.sr_par_backup FROM test_repo ON (sr_member PARTITION (p1)) PROPERTIES ("backup_timestamp" = "2024-12-09-10-52-10-940")',
      {
        kind: 'Restore', snapshot: { db: 'sr_hub', name: 'sr_par_backup' }, repo: 'test_repo',
        on: [{ kind: 'TABLE', name: { name: 'sr_member' }, partitions: ['p1'] }], properties: TS,
      },
    ],
    [
      'RESTORE SNAPSHOT sr_udf2_backup FROM test_repo DATABASE sr_hub ON (FUNCTION sr_udf1, FUNCTION sr_udf2) PROPERTIES ("backup_timestamp" = "2024-12-09-10-52-10-940")',
      {
        kind: 'Restore', snapshot: { name: 'sr_udf2_backup' }, repo: 'test_repo', db: 'sr_hub',
        on: [{ kind: 'FUNCTION', name: { name: 'sr_udf1' } }, { kind: 'FUNCTION', name: { name: 'sr_udf2' } }], properties: TS,
      },
    ],
    [
      'RESTORE SNAPSHOT iceberg_backup FROM test_repo EXTERNAL CATALOG (iceberg AS iceberg_new) PROPERTIES ("backup_timestamp" = "2024-12-09-10-52-10-940")',
      {
        kind: 'Restore', snapshot: { name: 'iceberg_backup' }, repo: 'test_repo',
        catalogs: { all: false, items: [{ name: 'iceberg', alias: 'iceberg_new' }] }, properties: TS,
      },
    ],
    [
      'RESTORE SNAPSHOT iceberg_hive_backup FROM test_repo EXTERNAL CATALOGS (iceberg, hive) PROPERTIES ("backup_timestamp" = "2024-12-09-10-52-10-940")',
      {
        kind: 'Restore', snapshot: { name: 'iceberg_hive_backup' }, repo: 'test_repo',
        catalogs: { all: false, items: [{ name: 'iceberg' }, { name: 'hive' }] }, properties: TS,
      },
    ],
    [
      'RESTORE SNAPSHOT all_catalog_backup FROM test_repo ALL EXTERNAL CATALOGS PROPERTIES ("backup_timestamp" = "2024-12-09-10-52-10-940")',
      { kind: 'Restore', snapshot: { name: 'all_catalog_backup' }, repo: 'test_repo', catalogs: { all: true }, properties: TS },
    ],
  ];

  it.each(table)('%s', (text, expected) => {
    expect(ast(find(text))).toEqual(expected);
  });

  it('keeps a statement text verbatim, newlines included', () => {
    expect(find('BACKUP DATABASE sr_hub SNAPSHOT sr_hub_backup TO test_repo').text).toBe(
      'BACKUP DATABASE sr_hub SNAPSHOT sr_hub_backup\nTO test_repo',
    );
  });
});
