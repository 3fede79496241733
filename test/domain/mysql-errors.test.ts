import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccessDeniedError, AnalysisError, DeadlineExceededError, ErrorName, InternalError, NotFoundError, ParseError,
} from '../../lib/domain/errors.ts';
import { mysqlErrorOf } from '../../lib/domain/mysql-errors.ts';
import { parseStatement } from '../../lib/sql/parse.ts';
import { executeStatement } from '../../lib/statements/execute-statement.ts';
import type { Session } from '../../lib/statements/session.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/**
 * The codes are StarRocks' (fe-core com/starrocks/common/ErrorCode.java, newest main). StarRocks'
 * MysqlErrPacket sends 1064/HY000 whenever the query state has no ErrorCode (QueryState.setError sets only
 * the message), so every error without one of its own is 1064/HY000.
 */
describe('mysqlErrorOf by class', () => {
  it('sends 1064/HY000 for what carries no code: syntax, analyzer and unexpected errors, and non-errors', () => {
    // ConnectProcessor.handleQuery turns a ParsingException into an AnalysisException with no ErrorCode.
    expect(mysqlErrorOf(new ParseError("Unexpected input 'x'", 1, 1))).toEqual({
      errno: 1064, sqlstate: 'HY000', message: "Getting syntax error at line 1, column 1. Detail message: Unexpected input 'x'.",
    });
    expect(mysqlErrorOf(new AnalysisError('Repository r does not exist'))).toMatchObject({ errno: 1064, sqlstate: 'HY000' });
    // StmtExecutor's catch (Throwable) sets only the message ("Unexpected exception: …").
    expect(mysqlErrorOf(new InternalError('boom'))).toEqual({ errno: 1064, sqlstate: 'HY000', message: 'boom' });
    expect(mysqlErrorOf(new TypeError('x is undefined'))).toMatchObject({ errno: 1064, sqlstate: 'HY000' });
    expect(mysqlErrorOf('a string')).toEqual({ errno: 1064, sqlstate: 'HY000', message: 'a string' });
  });

  it('sends ERR_ACCESS_DENIED (5203/42000) for a refusal and ERR_TIMEOUT (5024/53400) for a deadline', () => {
    expect(mysqlErrorOf(new AccessDeniedError('FILES() may not reach /etc'))).toMatchObject({ errno: 5203, sqlstate: '42000' });
    expect(mysqlErrorOf(new DeadlineExceededError('stopped'))).toMatchObject({ errno: 5024, sqlstate: '53400' });
  });

  it("prefers the code an error was built with, and keeps the class's name", () => {
    const err = new NotFoundError("Unknown database 'x'", { mysqlCode: 'ERR_BAD_DB_ERROR' });
    expect(err.name).toBe(ErrorName.NotFound);
    expect(mysqlErrorOf(err)).toEqual({ errno: 5501, sqlstate: '3F000', message: "Unknown database 'x'" });
    expect(mysqlErrorOf(new AccessDeniedError("Access denied for user 'u'", { mysqlCode: 'ERR_AUTHENTICATION_FAIL' }))).toMatchObject({ errno: 1045, sqlstate: '28000' });
    const caused = new AnalysisError('outer', { cause: new Error('inner') });
    expect((caused.cause as Error).message).toBe('inner');
  });
});

describe('codes at the throw sites, through the statement executors', () => {
  const temp = useTempDirs('mysql-errors');
  let c: TestCluster;
  beforeAll(async () => {
    c = await openTestCluster(await temp.make());
    await c.sql('CREATE DATABASE d; CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 1');
  });
  afterAll(async () => c?.close());

  async function codeOf(sql: string, session: Session = {}) {
    try {
      await executeStatement(c.ctx, parseStatement(sql), session);
    } catch (e) {
      const { errno, sqlstate } = mysqlErrorOf(e);
      return { name: (e as Error).name, errno, sqlstate };
    }
    throw new Error(`expected ${sql} to fail`);
  }

  it("names each error as StarRocks' ErrorCode does, with the error's name unchanged", async () => {
    // ERR_DB_CREATE_EXISTS, ERR_DB_DROP_EXISTS
    expect(await codeOf('CREATE DATABASE d')).toEqual({ name: 'AlreadyExistsError', errno: 1007, sqlstate: 'HY000' });
    expect(await codeOf('DROP DATABASE nope')).toEqual({ name: 'NotFoundError', errno: 1008, sqlstate: 'HY000' });
    // ERR_BAD_DB_ERROR: 5501/3F000 since StarRocks renumbered it (3.5 prints "ERROR 5501 (3F000): … Unknown database").
    expect(await codeOf('SHOW TABLES FROM nope')).toEqual({ name: 'NotFoundError', errno: 5501, sqlstate: '3F000' });
    // ERR_BAD_TABLE_ERROR: 5502/42602 ("ERROR 5502 (42602): … Unknown table").
    expect(await codeOf('SELECT * FROM d.nope')).toEqual({ name: 'NotFoundError', errno: 5502, sqlstate: '42602' });
    expect(await codeOf('DROP TABLE d.nope')).toMatchObject({ errno: 5502, sqlstate: '42602' });
    // ERR_TABLE_EXISTS_ERROR
    expect(await codeOf('CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 1')).toEqual({ name: 'AlreadyExistsError', errno: 1050, sqlstate: '42S01' });
    // ERR_NO_DB_ERROR
    expect(await codeOf('SHOW TABLES')).toEqual({ name: 'AnalysisError', errno: 1046, sqlstate: '3D000' });
    // ERR_BAD_CATALOG_ERROR
    expect(await codeOf('DROP CATALOG nope')).toMatchObject({ errno: 5078, sqlstate: '42000' });
    // A missing repository has no ErrorCode in StarRocks (BackupHandler's DdlException): 1064/HY000.
    expect(await codeOf('DROP REPOSITORY nope')).toMatchObject({ errno: 1064, sqlstate: 'HY000' });
  });

  it("names the session statements' errors as VariableMgr does", async () => {
    expect(await codeOf('SELECT @@nope')).toMatchObject({ errno: 1193, sqlstate: 'HY000' });
    expect(await codeOf('SET version = 1')).toMatchObject({ errno: 1621, sqlstate: 'HY000' });
    expect(await codeOf('SET GLOBAL wait_timeout = 1')).toMatchObject({ errno: 1228, sqlstate: 'HY000' });
    expect(await codeOf("SET autocommit = 'x'")).toMatchObject({ errno: 1231, sqlstate: '42000' });
    expect(await codeOf('SET wait_timeout = x')).toMatchObject({ errno: 1232, sqlstate: '42000' });
    expect(await codeOf("SET time_zone = 'x/y'")).toMatchObject({ errno: 1298, sqlstate: 'HY000' });
    expect(await codeOf('SET NAMES latin1')).toMatchObject({ errno: 1115, sqlstate: '42000' });
  });
});
