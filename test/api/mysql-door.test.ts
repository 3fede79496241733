import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startServer } from '../../bin/serve.ts';
import { PYTHON, mariadb, mariadbPluginDir, requireMysqlClients, runWithInput } from '../support/mysql-clients.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/**
 * The MySQL door of `starbackup serve` with real clients: the mariadb command-line client (batch mode,
 * which sends no session queries), mysql2 (text protocol and prepared statements) and pymysql.
 * StarRocks' wording of the errors: fe-core's ErrorCode.java (ERR_ACCESS_DENIED_ERROR 1045/28000).
 */
const temp = useTempDirs('mysql-door');
let server: LocalServer;
let dir: string;
let port: number;

const connect = (options: mysql.ConnectionOptions = {}) => mysql.createConnection({ host: '127.0.0.1', port, user: 'root', ...options });

beforeAll(async () => {
  requireMysqlClients();
  dir = await temp.make();
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'starbackup.conf'), `allowed_file_paths = ${dir}\n`);
  server = await startServer({ home, port: 0, mysqlPort: 0 });
  port = server.mysqlPort!;
  const setup = await mariadb(port, ['--batch'], `CREATE DATABASE d;
    CREATE TABLE d.t (k INT NOT NULL, v VARCHAR(100)) DUPLICATE KEY (k) DISTRIBUTED BY HASH (k) BUCKETS 2;
    INSERT INTO d.t VALUES (1, 'one'), (2, NULL);`);
  expect(setup.stderr).toBe('');
});

afterAll(async () => {
  await server?.close();
});

describe('the MySQL door with the mariadb client', () => {
  it('records its port in server.json next to the HTTP port', () => {
    const info = JSON.parse(readFileSync(join(server.home, 'server.json'), 'utf8'));
    expect(info).toMatchObject({ port: server.port, mysqlPort: port, host: '127.0.0.1' });
    expect(port).not.toBe(server.port);
  });

  it('runs statements and prints result sets, NULL included', async () => {
    const r = await mariadb(port, ['-e', 'CREATE DATABASE e; SHOW DATABASES']);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout).toBe('Database\nd\ne\n');
    const rows = await mariadb(port, ['--batch', '-D', 'd', '-e', 'SELECT * FROM t']);
    expect(rows.stdout).toBe('k\tv\n1\tone\n2\tNULL\n');
  });

  it('prints a syntax error as StarRocks words it, with its line and column', async () => {
    const r = await mariadb(port, ['-D', 'd', '--batch'], 'SELECT * FROM t WHER k = 1;\n');
    expect(r.status).toBe(1);
    // In batch mode the client echoes the failed statement before the error line.
    expect(r.stderr).toMatch(/^ERROR 1064 \(HY000\) at line 1: Getting syntax error at line 1, column 17\. Detail message: Unexpected input 'WHER'/m);
  });

  it('denies anyone but root, and root with a password, as StarRocks does', async () => {
    const other = await mariadb(port, ['-ualice', '-psecret', '-e', 'SHOW DATABASES']);
    expect(other.stderr.trim()).toBe("ERROR 1045 (28000): Access denied for user 'alice'@'127.0.0.1' (using password: YES)");
    const wrong = await mariadb(port, ['-uroot', '-pwrong', '-e', 'SHOW DATABASES']);
    expect(wrong.stderr.trim()).toBe("ERROR 1045 (28000): Access denied for user 'root'@'127.0.0.1' (using password: YES)");
    const none = await mariadb(port, ['-ubob', '-e', 'SHOW DATABASES']);
    expect(none.stderr.trim()).toBe("ERROR 1045 (28000): Access denied for user 'bob'@'127.0.0.1' (using password: NO)");
  });

  it('switches a caching_sha2_password client to mysql_native_password', async () => {
    const plugin = ['--default-auth=caching_sha2_password', `--plugin-dir=${mariadbPluginDir()}`];
    const root = await mariadb(port, [...plugin, '-e', 'SHOW DATABASES']);
    expect(root).toMatchObject({ status: 0, stderr: '' });
    expect(root.stdout).toContain('\nd\n');
    const wrong = await mariadb(port, [...plugin, '-uroot', '-pwrong', '-e', 'SHOW DATABASES']);
    expect(wrong.stderr.trim()).toBe("ERROR 1045 (28000): Access denied for user 'root'@'127.0.0.1' (using password: YES)");
  });

  it('starts in the database of -D, and refuses an unknown one', async () => {
    expect((await mariadb(port, ['-D', 'd', '-e', 'SHOW TABLES'])).stdout).toBe('Tables_in_d\nt\n');
    const unknown = await mariadb(port, ['-D', 'nope', '-e', 'SHOW TABLES']);
    expect(unknown.stderr.trim()).toMatch(/^ERROR \d+ \(\w+\): Unknown database 'nope'$/);
  });

  it('prints the job id of a BACKUP, which answers once the job is accepted', async () => {
    mkdirSync(join(dir, 'repo'));
    await mariadb(port, ['-e', `CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${dir}/repo"`]);
    // -vvv prints each OK with its info, as an interactive session does.
    const r = await mariadb(port, ['-D', 'd', '-vvv', '-e', 'BACKUP DATABASE d SNAPSHOT s1 TO r']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/\nQuery OK, 0 rows affected \([\d.]+ sec\)\nJobId: \S+\n/);
  });

  it('changes the database with USE (COM_INIT_DB in the client) in a script read from stdin', async () => {
    const r = await mariadb(port, ['--batch'], 'use d\nSELECT k FROM t;\n');
    expect(r).toMatchObject({ status: 0, stdout: 'k\n1\n2\n' });
  });
});

describe('the MySQL door with mysql2', () => {
  it('runs multi-statement queries, and stops at the first error as MySQL does', async () => {
    const c = await connect({ database: 'd', multipleStatements: true });
    try {
      const [results] = await c.query('SELECT k FROM t; SHOW TABLES');
      expect(results).toEqual([[{ k: '1' }, { k: '2' }], [{ Tables_in_d: 't' }]]);
      await expect(c.query('SHOW TABLES; SELECT * FROM nope; CREATE DATABASE never')).rejects.toMatchObject({ errno: 5502, sqlState: '42602', message: "Unknown table 'd.nope'" });
      const [dbs] = await c.query('SHOW DATABASES');
      expect((dbs as { Database: string }[]).map((r) => r.Database)).not.toContain('never');
    } finally {
      await c.end();
    }
  });

  it('refuses several statements from a client that did not ask for multi-statements', async () => {
    const c = await connect();
    try {
      await expect(c.query('SHOW DATABASES; SHOW DATABASES')).rejects.toThrow('The query holds 2 statements, but the client did not ask for multi-statements (CLIENT_MULTI_STATEMENTS); send one statement at a time');
    } finally {
      await c.end();
    }
  });

  it('runs prepared statements with parameters, quoted safely, and answers in binary rows', async () => {
    const c = await connect({ database: 'd' });
    try {
      const [inserted] = await c.execute('INSERT INTO t VALUES (?, ?), (?, ?)', [3, "it's a \\ 'quote'; DROP DATABASE d; --", 4, null]);
      expect(inserted).toMatchObject({ affectedRows: 2 });
      const [rows] = await c.execute('SELECT * FROM t WHERE k = ?', [3]);
      expect(rows).toEqual([{ k: '3', v: "it's a \\ 'quote'; DROP DATABASE d; --" }]);
      const [nulls] = await c.execute('SELECT k, v FROM t WHERE k = ? /* a ? in a comment */', [4]);
      expect(nulls).toEqual([{ k: '4', v: null }]);
      const [tables] = await c.execute('SHOW TABLES');
      expect(tables).toEqual([{ Tables_in_d: 't' }]);
      await expect(c.execute('SELECT * FROM t WHERE k = ?', [])).rejects.toThrow();
    } finally {
      await c.end();
    }
  });

  it('answers COM_PING and reports a COM_QUERY error with its errno and SQLSTATE', async () => {
    const c = await connect();
    try {
      await c.ping();
      await expect(c.query('SELECT * FROM d.nope')).rejects.toMatchObject({ errno: 5502, sqlState: '42602', message: "Unknown table 'd.nope'" });
      await expect(c.query('')).rejects.toMatchObject({ errno: 1065, message: 'Query was empty' });
    } finally {
      await c.end();
    }
  });
});

describe('the MySQL door with pymysql', () => {
  it('runs queries with client-side parameters, multi-statements and select_db', async () => {
    // autocommit=None: pymysql's default sends `SET AUTOCOMMIT = 0` on connect (see mysql-door-session.test.ts).
    const script = `
import pymysql, json
c = pymysql.connect(host='127.0.0.1', port=${port}, user='root', autocommit=None, client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS)
c.select_db('d')
cur = c.cursor()
cur.execute('SELECT v FROM t WHERE k = %s', (1,))
out = [cur.fetchall()]
cur.execute('SHOW DATABASES; SHOW TABLES')
out.append(cur.fetchall())
cur.nextset()
out.append(cur.fetchall())
try:
    cur.execute('SELECT * FROM nope')
except pymysql.err.MySQLError as e:
    out.append(list(e.args))
print(json.dumps(out))
`;
    const r = await runWithInput(PYTHON, ['-'], script);
    expect(r.stderr).toBe('');
    const [v, dbs, tables, error] = JSON.parse(r.stdout);
    expect(v).toEqual([['one']]);
    expect(dbs.map((row: string[]) => row[0])).toContain('d');
    expect(tables).toEqual([['t']]);
    expect(error).toEqual([5502, "Unknown table 'd.nope'"]);
  });
});
