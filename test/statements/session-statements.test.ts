import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScript } from '../../bin/run-script.ts';
import { executeSqlRequest } from '../../lib/api/api-request.ts';
import { MAX_ALLOWED_PACKET, STARBACKUP_VERSION } from '../../lib/domain/session-variables.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

const temp = useTempDirs('session-statements');
let c: TestCluster;

beforeAll(async () => {
  c = await openTestCluster(await temp.make());
  await c.sql('CREATE DATABASE d');
});
afterAll(async () => c?.close());

/** A statement's columns and rows in a fresh session, as the CLI runs it. */
async function fresh(sql: string) {
  const outcomes = await runScript(c.ctx, sql, { session: {} });
  const last = outcomes.at(-1)!;
  if (last.error) throw new Error(last.error.message);
  return { columns: last.result!.columns, rows: last.result!.rows };
}

describe('session queries clients send on connect', () => {
  it('answers the mysql and mariadb clients\' first queries', async () => {
    expect(await fresh('SELECT @@version_comment LIMIT 1')).toEqual({ columns: ['@@version_comment'], rows: [[`starbackup ${STARBACKUP_VERSION} (StarRocks-compatible)`]] });
    expect(await fresh('SELECT DATABASE(), USER() LIMIT 1')).toEqual({ columns: ['DATABASE()', 'USER()'], rows: [[null, "'root'@'%'"]] });
    expect(await fresh('USE d; SELECT DATABASE()')).toEqual({ columns: ['DATABASE()'], rows: [['d']] });
    expect(await fresh('SELECT 1 LIMIT 0')).toEqual({ columns: ['1'], rows: [] });
  });

  // The variables and defaults of StarRocks' fe-core qe/SessionVariable.java and qe/GlobalVariable.java,
  // for the query Connector/J 8 sends (ConnectionImpl.loadServerVariables); `version` is
  // Config.mysql_server_version's default.
  it("answers Connector/J's connect query with StarRocks' defaults", async () => {
    const names = ['auto_increment_increment', 'character_set_client', 'character_set_connection', 'character_set_results', 'character_set_server',
      'collation_server', 'collation_connection', 'init_connect', 'interactive_timeout', 'license', 'lower_case_table_names', 'max_allowed_packet',
      'net_write_timeout', 'performance_schema', 'query_cache_size', 'query_cache_type', 'sql_mode', 'system_time_zone', 'time_zone',
      'transaction_isolation', 'wait_timeout'];
    const sql = `/* mysql-connector-java-8.0.33 (Revision: 7d6b0800528b6b25c68b52dc10d6c1c8429c100c) */SELECT  @@session.${names[0]} AS ${names[0]}, ${names.slice(1).map((n) => `@@${n} AS ${n}`).join(', ')}`;
    const r = await fresh(sql);
    expect(r.columns).toEqual(names);
    const row = Object.fromEntries(names.map((n, i) => [n, r.rows[0]![i]]));
    expect(row).toMatchObject({
      auto_increment_increment: '1', character_set_client: 'utf8', character_set_results: 'utf8', collation_server: 'utf8_general_ci',
      init_connect: '', interactive_timeout: '600', license: 'Apache License 2.0', lower_case_table_names: '0',
      max_allowed_packet: String(MAX_ALLOWED_PACKET), net_write_timeout: '60', performance_schema: '0', query_cache_size: '1048576',
      query_cache_type: '0', sql_mode: 'ONLY_FULL_GROUP_BY', transaction_isolation: 'REPEATABLE-READ', wait_timeout: '600',
    });
    expect(row.time_zone).toBe(row.system_time_zone);
    expect(await fresh('SELECT @@version, VERSION(), @@session.transaction_read_only, @@tx_read_only, @@autocommit')).toEqual({
      columns: ['@@version', 'VERSION()', '@@session.transaction_read_only', '@@tx_read_only', '@@autocommit'], rows: [['8.0.33', '8.0.33', '0', '0', '1']],
    });
  });

  it('names the connected user and connection as the session holds them', async () => {
    const session = { user: { name: 'alice', host: '%' }, connectionId: 42 };
    const [o] = await runScript(c.ctx, 'SELECT CURRENT_USER(), CURRENT_USER, CONNECTION_ID()', { session });
    expect(o!.result!.rows).toEqual([["'alice'@'%'", "'alice'@'%'", '42']]);
  });

  it("keeps STARBACKUP_VERSION equal to package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(STARBACKUP_VERSION).toBe(pkg.version);
  });
});

describe('SET', () => {
  it("takes what Connector/J sends after connecting, and keeps the values in the session", async () => {
    await c.sql("SET NAMES utf8mb4; SET character_set_results = NULL; SET autocommit=1; SET sql_mode='ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES'");
    expect(await c.rows('SELECT @@character_set_results, @@sql_mode, @@autocommit')).toEqual([[null, 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES', '1']]);
    expect(c.session.variables?.get('character_set_results')).toBe('');
    await c.sql("SET time_zone = '+8:00', @@session.wait_timeout = 60, SESSION autocommit = OFF");
    expect(await c.rows('SELECT @@time_zone, @@wait_timeout, @@autocommit, @@global.wait_timeout')).toEqual([['+08:00', '60', '0', '600']]);
    await c.sql('SET wait_timeout = DEFAULT, autocommit = 1, character_set_results = DEFAULT');
    expect(await c.rows('SELECT @@wait_timeout, @@autocommit, @@character_set_results')).toEqual([['600', '1', 'utf8']]);
    await c.sql('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED, READ ONLY');
    expect(await c.rows('SELECT @@transaction_isolation, @@tx_isolation, @@tx_read_only')).toEqual([['READ-COMMITTED', 'READ-COMMITTED', '1']]);
    await c.sql('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ WRITE');
  });

  // StarRocks' VariableMgr: ERR_UNKNOWN_SYSTEM_VARIABLE with the most similar names (findSimilarSessionVarNames),
  // checkUpdate's ERR_VARIABLE_IS_READONLY and ERR_LOCAL_VARIABLE, setValue's ERR_WRONG_TYPE_FOR_VAR and
  // ERR_WRONG_VALUE_FOR_VAR; TimeUtils' ERR_UNKNOWN_TIME_ZONE; SetNamesVar's ERR_UNKNOWN_CHARACTER_SET.
  it("refuses what StarRocks refuses, in StarRocks' words, and changes nothing", async () => {
    expect(await c.error('SELECT @@wait_timeot')).toBe("Unknown system variable 'wait_timeot', the most similar variables are {'wait_timeout', 'query_timeout', 'autocommit'}");
    expect(await c.error('SET nope = 1')).toMatch(/^Unknown system variable 'nope', the most similar variables are \{'[a-z_]+', '[a-z_]+', '[a-z_]+'\}$/);
    expect(await c.error('SET version = 1')).toBe("Variable 'version' is a read only variable");
    expect(await c.error('SET GLOBAL version_comment = 1')).toBe("Variable 'version_comment' is a read only variable");
    expect(await c.error('SET GLOBAL wait_timeout = 1')).toBe("Variable 'wait_timeout' is a SESSION variable and can't be used with SET GLOBAL");
    expect(await c.error('SET wait_timeout = abc')).toBe("Incorrect argument type to variable 'wait_timeout'");
    expect(await c.error("SET autocommit = 'maybe'")).toBe("Variable 'autocommit' can't be set to the value of 'maybe'");
    expect(await c.error('SET autocommit = NULL')).toBe("Variable 'autocommit' can't be set to the value of 'NULL'");
    expect(await c.error("SET sql_mode = 'STRICT,NOPE'")).toBe("Variable 'sql_mode' can't be set to the value of 'STRICT,NOPE'");
    expect(await c.error("SET tx_isolation = 'CHAOS'")).toBe("Variable 'tx_isolation' can't be set to the value of 'CHAOS'");
    expect(await c.error("SET time_zone = 'Mars/Base'")).toBe("Unknown or incorrect time zone: 'Mars/Base'");
    expect(await c.error("SET time_zone = '+15:00'")).toBe("Unknown or incorrect time zone: '+15:00'");
    expect(await c.error('SET NAMES latin1')).toBe("Unknown character set: 'latin1'");
    expect(await c.error('SET wait_timeout = 5, autocommit = maybe')).toBe("Variable 'autocommit' can't be set to the value of 'maybe'");
    expect(await c.rows('SELECT @@wait_timeout')).toEqual([['600']]);
  });
});

describe('SHOW VARIABLES, STATUS, WARNINGS', () => {
  it('lists variables by name with LIKE or WHERE, the session values or the defaults with GLOBAL', async () => {
    await c.sql("SET time_zone = '+00:00'");
    const r = (await c.sql("SHOW VARIABLES LIKE '%time\\_zone'"))[0]!;
    expect(r.columns).toEqual(['Variable_name', 'Value']);
    expect(r.rows.map((row) => row[0])).toEqual(['system_time_zone', 'time_zone']);
    expect(r.rows[1]![1]).toBe('+00:00');
    expect(await c.rows("SHOW GLOBAL VARIABLES WHERE Variable_name = 'time_zone'")).not.toEqual([['time_zone', '+00:00']]);
    expect(await c.rows("SHOW SESSION VARIABLES WHERE Variable_name IN ('autocommit', 'version')")).toEqual([['autocommit', 'true'], ['version', '8.0.33']]);
    const all = (await c.rows('SHOW VARIABLES')).map((row) => row[0]!);
    expect(all).toEqual([...all].sort());
    expect(all).toContain('max_allowed_packet');
  });

  it('has no status counters, warnings or errors to show', async () => {
    expect((await c.sql("SHOW STATUS LIKE 'Ssl_cipher'"))[0]).toMatchObject({ columns: ['Variable_name', 'Value'], rows: [] });
    expect((await c.sql('SHOW WARNINGS'))[0]).toMatchObject({ columns: ['Level', 'Code', 'Message'], rows: [] });
    expect((await c.sql('SHOW ERRORS'))[0]).toMatchObject({ columns: ['Level', 'Code', 'Message'], rows: [] });
  });
});

describe('the HTTP API runs them the same way', () => {
  it('keeps SET for the rest of a request and answers DATABASE() from its database', async () => {
    const res = await executeSqlRequest(c.ctx, { sql: 'SET wait_timeout = 7; SELECT @@wait_timeout AS w, DATABASE(); SHOW VARIABLES LIKE \'wait_timeout\'', database: 'd' });
    expect(res.status).toBe(200);
    expect(res.body.results!.map((r) => [r.columns, r.rows])).toEqual([
      [[], []],
      [['w', 'DATABASE()'], [['7', 'd']]],
      [['Variable_name', 'Value'], [['wait_timeout', '7']]],
    ]);
    const bad = await executeSqlRequest(c.ctx, { sql: 'SELECT @@nope' });
    expect(bad.body.error).toMatchObject({ code: 'AnalysisError', message: expect.stringContaining("Unknown system variable 'nope'") });
  });
});
