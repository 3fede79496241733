import { describe, expect, it } from 'vitest';
import { ast, syntaxError } from './helpers.ts';

/**
 * `ALL USERS` (starbackup's own: StarRocks cannot back up accounts) in the place and form of StarRocks'
 * `ALL EXTERNAL CATALOGS` (fe-core grammar StarRocks.g4, backupStatement and restoreStatement).
 */
const syntax = (column: number, detail: string) => `Getting syntax error at line 1, column ${column}. Detail message: ${detail}.`;

describe('BACKUP and RESTORE ALL USERS', () => {
  it('reads ALL USERS where BACKUP and RESTORE take ALL EXTERNAL CATALOGS', () => {
    expect(ast('BACKUP ALL USERS SNAPSHOT s TO r')).toEqual({ kind: 'Backup', snapshot: { name: 's' }, repo: 'r', accounts: true, properties: {} });
    expect(ast('backup all users snapshot s to r properties ("timeout" = "60")')).toEqual({
      kind: 'Backup', snapshot: { name: 's' }, repo: 'r', accounts: true, properties: { timeout: '60' },
    });
    expect(ast('RESTORE SNAPSHOT s FROM r ALL USERS PROPERTIES ("backup_timestamp" = "2024-01-01-00-00-00-000")')).toEqual({
      kind: 'Restore', snapshot: { name: 's' }, repo: 'r', accounts: true, properties: { backup_timestamp: '2024-01-01-00-00-00-000' },
    });
  });

  it('keeps ALL EXTERNAL CATALOGS as it was', () => {
    expect(ast('BACKUP ALL EXTERNAL CATALOGS SNAPSHOT s TO r')).toEqual({ kind: 'Backup', snapshot: { name: 's' }, repo: 'r', catalogs: { all: true }, properties: {} });
    expect(ast('RESTORE SNAPSHOT s FROM r ALL EXTERNAL CATALOGS')).toEqual({ kind: 'Restore', snapshot: { name: 's' }, repo: 'r', catalogs: { all: true }, properties: {} });
  });

  // Like ALL EXTERNAL CATALOGS, ALL USERS with DATABASE or ON parses; the analyzer refuses it (test/statements).
  it('says what may follow ALL, and where ALL USERS goes', () => {
    expect(syntaxError('BACKUP ALL USER SNAPSHOT s TO r')).toBe(syntax(12, "Unexpected input 'USER', the most similar input is {'EXTERNAL', 'USERS'}"));
    expect(syntaxError('BACKUP ALL SNAPSHOT s TO r')).toBe(syntax(12, "Unexpected input 'SNAPSHOT', the most similar input is {'EXTERNAL', 'USERS'}"));
    expect(syntaxError('RESTORE ALL USERS SNAPSHOT s FROM r')).toBe(syntax(9, "Unexpected input 'ALL', the most similar input is {'SNAPSHOT'}"));
    expect(syntaxError('BACKUP SNAPSHOT s TO r ALL USERS')).toBe(syntax(24, "Unexpected input 'ALL', the most similar input is {'ON', 'PROPERTIES', <EOF>}"));
  });
});
