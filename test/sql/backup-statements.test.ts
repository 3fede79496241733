import { describe, expect, it } from 'vitest';
import { ast, col, str, type Body } from './helpers.ts';

describe('repositories', () => {
  it.each<[string, Body]>([
    [
      'CREATE READ ONLY REPOSITORY r WITH BROKER ON LOCATION "s3a://b/p"',
      { kind: 'CreateRepository', name: 'r', readOnly: true, location: 's3a://b/p', properties: {} },
    ],
    [
      "CREATE REPOSITORY r WITH BROKER hdfs_broker ON LOCATION 'hdfs://h:9000/x' PROPERTIES ('username' = 'u')",
      { kind: 'CreateRepository', name: 'r', readOnly: false, broker: 'hdfs_broker', location: 'hdfs://h:9000/x', properties: { username: 'u' } },
    ],
    [
      'CREATE REPOSITORY `repo` WITH BROKER "my broker" ON LOCATION "file:///tmp/repo"',
      { kind: 'CreateRepository', name: 'repo', readOnly: false, broker: 'my broker', location: 'file:///tmp/repo', properties: {} },
    ],
    ['DROP REPOSITORY r', { kind: 'DropRepository', name: 'r' }],
    ['SHOW REPOSITORIES', { kind: 'ShowRepositories' }],
  ])('%s', (sql, expected) => expect(ast(sql)).toEqual(expected));
});

describe('BACKUP and RESTORE objects', () => {
  it('reads every object form, partitions as names or strings, and aliases', () => {
    const s = ast(`BACKUP DATABASE d SNAPSHOT s TO r ON (
      t1, d2.t2 PARTITIONS (p1, "p 2"), t3 PARTITION p3 AS x, TABLE t4, TABLES t5 PARTITION ('p5'),
      ALL TABLE, MATERIALIZED VIEWS mv AS m2, ALL MATERIALIZED VIEW, VIEWS v, ALL VIEW,
      FUNCTIONS f AS g, ALL FUNCTION, FUNCTION d.f2
    ) PROPERTIES ("type" = "full", "timeout" = "3600")`);
    expect(s).toEqual({
      kind: 'Backup', db: 'd', snapshot: { name: 's' }, repo: 'r',
      on: [
        { kind: 'TABLE', name: { name: 't1' } },
        { kind: 'TABLE', name: { db: 'd2', name: 't2' }, partitions: ['p1', 'p 2'] },
        { kind: 'TABLE', name: { name: 't3' }, partitions: ['p3'], alias: 'x' },
        { kind: 'TABLE', name: { name: 't4' } },
        { kind: 'TABLE', name: { name: 't5' }, partitions: ['p5'] },
        { kind: 'ALL_TABLES' },
        { kind: 'MATERIALIZED_VIEW', name: { name: 'mv' }, alias: 'm2' },
        { kind: 'ALL_MATERIALIZED_VIEWS' },
        { kind: 'VIEW', name: { name: 'v' } },
        { kind: 'ALL_VIEWS' },
        { kind: 'FUNCTION', name: { name: 'f' }, alias: 'g' },
        { kind: 'ALL_FUNCTIONS' },
        { kind: 'FUNCTION', name: { db: 'd', name: 'f2' } },
      ],
      properties: { type: 'full', timeout: '3600' },
    });
  });

  it('takes a kind word with no name after it as a table name', () => {
    expect(ast('RESTORE SNAPSHOT s FROM r ON (view, tables AS t2, function PARTITION (p)) PROPERTIES ("backup_timestamp" = "x")'))
      .toMatchObject({
        on: [
          { kind: 'TABLE', name: { name: 'view' } },
          { kind: 'TABLE', name: { name: 'tables' }, alias: 't2' },
          { kind: 'TABLE', name: { name: 'function' }, partitions: ['p'] },
        ],
      });
  });

  it('reads a RESTORE with no PROPERTIES at all', () => {
    expect(ast('RESTORE SNAPSHOT s FROM r')).toEqual({ kind: 'Restore', snapshot: { name: 's' }, repo: 'r', properties: {} });
  });

  it('uses non-reserved words as names', () => {
    expect(ast('BACKUP DATABASE backup SNAPSHOT snapshot TO repository ON (TABLE timestamp)')).toMatchObject({
      db: 'backup', snapshot: { name: 'snapshot' }, repo: 'repository', on: [{ kind: 'TABLE', name: { name: 'timestamp' } }],
    });
  });
});

describe('jobs and snapshots', () => {
  it.each<[string, Body]>([
    ['SHOW BACKUP', { kind: 'ShowBackup' }],
    ['SHOW BACKUP FROM d', { kind: 'ShowBackup', db: 'd' }],
    [
      "SHOW BACKUP IN d WHERE SnapshotName = 's'",
      { kind: 'ShowBackup', db: 'd', where: { kind: 'compare', op: '=', left: col('SnapshotName'), right: str('s') } },
    ],
    ['SHOW RESTORE', { kind: 'ShowRestore' }],
    [
      "SHOW RESTORE FROM d WHERE Label LIKE 'x%'",
      { kind: 'ShowRestore', db: 'd', where: { kind: 'like', operand: col('Label'), pattern: str('x%'), negated: false } },
    ],
    ['SHOW SNAPSHOT ON r', { kind: 'ShowSnapshot', repo: 'r' }],
    [
      "SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'x' AND TIMESTAMP = '2018-04-18-19-19-10'",
      {
        kind: 'ShowSnapshot', repo: 'r',
        where: {
          kind: 'and',
          left: { kind: 'compare', op: '=', left: col('SNAPSHOT'), right: str('x') },
          right: { kind: 'compare', op: '=', left: col('TIMESTAMP'), right: str('2018-04-18-19-19-10') },
        },
      },
    ],
    [
      "SHOW SNAPSHOT ON r WHERE SNAPSHOT IN ('a', 'b')",
      { kind: 'ShowSnapshot', repo: 'r', where: { kind: 'in', operand: col('SNAPSHOT'), values: [str('a'), str('b')], negated: false } },
    ],
    ['CANCEL BACKUP', { kind: 'CancelBackup', externalCatalog: false }],
    ['CANCEL BACKUP FROM d', { kind: 'CancelBackup', db: 'd', externalCatalog: false }],
    ['CANCEL RESTORE IN d', { kind: 'CancelRestore', db: 'd', externalCatalog: false }],
    ['CANCEL RESTORE', { kind: 'CancelRestore', externalCatalog: false }],
    ['DROP SNAPSHOT s ON r', { kind: 'DropSnapshot', snapshot: 's', repo: 'r', force: false }],
    ['DROP SNAPSHOT s ON r FORCE', { kind: 'DropSnapshot', snapshot: 's', repo: 'r', force: true }],
    ['ADMIN VERIFY SNAPSHOT s ON r', { kind: 'AdminVerifySnapshot', snapshot: 's', repo: 'r', properties: {} }],
    ['ADMIN CLEAN REPOSITORY r', { kind: 'AdminCleanRepository', repo: 'r' }],
    [
      "ADMIN VERIFY SNAPSHOT s ON r PROPERTIES ('backup_timestamp' = 't')",
      { kind: 'AdminVerifySnapshot', snapshot: 's', repo: 'r', properties: { backup_timestamp: 't' } },
    ],
  ])('%s', (sql, expected) => expect(ast(sql)).toEqual(expected));
});
