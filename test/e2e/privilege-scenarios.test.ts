import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startServer } from '../../bin/serve.ts';
import { mariadb, requireMysqlClients } from '../support/mysql-clients.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/**
 * StarRocks' backup and restore scenario roles (docs administration/user_privs/User_privilege.md, "Grant
 * privileges to perform backup and restore operations on global, database, table, and partition levels"),
 * set up and used end to end through the mariadb client on serve's MySQL door, as an operator would.
 * Denials carry StarRocks' ERR_ACCESS_DENIED (fe-core common/ErrorCode.java: 5203/42000); SHOW BACKUP hides a
 * job whose tables the user may not EXPORT (ShowExecutor: an empty set).
 */
const temp = useTempDirs('privilege-scenarios');
let server: LocalServer;
let port: number;
let dir: string;
const PASSWORD = 'Sc3nario-pw';

const HINT = 'for this operation. Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>.';
const denial = (privilege: string, on: string, roles: string, inactive = 'NONE') =>
  `ERROR 5203 (42000) at line 1: Access denied; you need (at least one of) the ${privilege} privilege(s) on ${on} ${HINT} Current role(s): ${roles}. Inactivated role(s): ${inactive}.`;

/** Runs a script as `user` in one connection; the result's stdout is tab-separated rows with a header. */
const as = (user: string, script: string) => mariadb(port, [`-u${user}`, `-p${PASSWORD}`, '--batch'], script);
const asRoot = (script: string) => mariadb(port, ['--batch'], script);
/** The client echoes a failed statement before the server's answer; the answer is the last line. */
const errorOf = (r: { stderr: string }) => r.stderr.trim().split('\n').at(-1);

async function waitForState(user: string, show: string, state: string): Promise<string[]> {
  for (let i = 0; i < 4_000; i++) {
    const [header, line] = (await as(user, show)).stdout.trim().split('\n').map((l) => l.split('\t'));
    const row = line ?? [];
    const now = row[header?.indexOf('State') ?? -1];
    if (now === state) return row;
    if (now === 'CANCELLED') throw new Error(`job cancelled: ${row.join(' | ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${show} never reached ${state}`);
}

beforeAll(async () => {
  requireMysqlClients();
  dir = await temp.make();
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  mkdirSync(join(dir, 'repo'));
  writeFileSync(join(home, 'starbackup.conf'), `allowed_file_paths = ${dir}\n`);
  server = await startServer({ home, port: 0, mysqlPort: 0 });
  port = server.mysqlPort!;
  const setup = await asRoot(`
    CREATE DATABASE sales;
    CREATE TABLE sales.orders (k INT NOT NULL, v VARCHAR(20)) DUPLICATE KEY (k)
      PARTITION BY RANGE (k) (PARTITION p1 VALUES LESS THAN ("10"), PARTITION p2 VALUES LESS THAN ("20"))
      DISTRIBUTED BY HASH (k) BUCKETS 2;
    CREATE TABLE sales.refunds (k INT NOT NULL) DUPLICATE KEY (k) DISTRIBUTED BY HASH (k) BUCKETS 1;
    INSERT INTO sales.orders VALUES (1, 'a'), (12, 'b');
    INSERT INTO sales.refunds VALUES (7);
    CREATE REPOSITORY repo WITH BROKER ON LOCATION "file://${dir}/repo";
    CREATE ROLE backup_tbl;
    GRANT REPOSITORY ON SYSTEM TO ROLE backup_tbl;
    GRANT EXPORT ON TABLE sales.orders TO ROLE backup_tbl;
    CREATE ROLE backup_db;
    GRANT REPOSITORY ON SYSTEM TO ROLE backup_db;
    GRANT EXPORT ON ALL TABLES IN DATABASE sales TO ROLE backup_db;
    CREATE ROLE recover_db;
    GRANT REPOSITORY ON SYSTEM TO ROLE recover_db;
    GRANT CREATE DATABASE ON CATALOG default_catalog TO ROLE recover_db;
    GRANT CREATE TABLE ON ALL DATABASES TO ROLE recover_db;
    GRANT INSERT ON ALL TABLES IN ALL DATABASES TO ROLE recover_db;
    GRANT EXPORT ON ALL TABLES IN DATABASE sales TO ROLE recover_db;
    CREATE ROLE recover_par;
    GRANT REPOSITORY ON SYSTEM TO ROLE recover_par;
    GRANT INSERT, EXPORT ON TABLE sales.orders TO ROLE recover_par;
    CREATE USER tbl_op IDENTIFIED BY '${PASSWORD}' DEFAULT ROLE backup_tbl;
    CREATE USER db_op IDENTIFIED BY '${PASSWORD}' DEFAULT ROLE backup_db;
    CREATE USER recoverer IDENTIFIED BY '${PASSWORD}' DEFAULT ROLE recover_db;
    CREATE USER par_op IDENTIFIED BY '${PASSWORD}';
    GRANT recover_par TO USER par_op;
    CREATE USER nobody IDENTIFIED BY '${PASSWORD}';
  `);
  expect(setup).toMatchObject({ status: 0, stderr: '' });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('the scenario roles through the mysql client', { timeout: 300_000 }, () => {
  it('backup_tbl backs up its table and nothing else', async () => {
    const denied = await as('tbl_op', 'BACKUP DATABASE sales SNAPSHOT t_bad TO repo ON (TABLE refunds)');
    expect(errorOf(denied)).toBe(denial('EXPORT', 'TABLE refunds', '[backup_tbl]'));
    const whole = await as('tbl_op', 'BACKUP DATABASE sales SNAPSHOT t_all TO repo');
    expect(errorOf(whole)).toMatch(/^ERROR 5203 \(42000\) at line 1: Access denied; you need \(at least one of\) the EXPORT privilege\(s\) on TABLE (orders|refunds) /);
    const ok = await as('tbl_op', 'BACKUP DATABASE sales SNAPSHOT t_ok TO repo ON (TABLE orders)');
    expect(ok).toMatchObject({ status: 0, stderr: '' });
    expect((await waitForState('tbl_op', 'SHOW BACKUP FROM sales', 'FINISHED')).slice(1, 3)).toEqual(['t_ok', 'sales']);
  });

  it('backup_db backs up the whole database; SHOW BACKUP hides that job from a user who may not export all its tables', async () => {
    expect(await as('db_op', 'BACKUP DATABASE sales SNAPSHOT d_ok TO repo')).toMatchObject({ status: 0, stderr: '' });
    expect((await waitForState('db_op', 'SHOW BACKUP FROM sales', 'FINISHED')).slice(1, 3)).toEqual(['d_ok', 'sales']);
    expect((await as('tbl_op', 'SHOW BACKUP FROM sales')).stdout).toBe('');
    expect((await as('nobody', 'SHOW BACKUP FROM sales')).stdout).toBe('');
  });

  it('recover_db restores a dropped database; a user without the role is refused before anything happens', async () => {
    const { stdout } = await asRoot("SHOW SNAPSHOT ON repo WHERE SNAPSHOT = 'd_ok'");
    const timestamp = stdout.trim().split('\n')[1]!.split('\t')[1]!;
    expect(await asRoot('DROP DATABASE sales FORCE')).toMatchObject({ status: 0, stderr: '' });
    const restore = `RESTORE SNAPSHOT d_ok FROM repo DATABASE sales PROPERTIES ("backup_timestamp" = "${timestamp}")`;
    const refused = await as('nobody', restore);
    expect(errorOf(refused)).toBe(denial('REPOSITORY', 'SYSTEM', 'NONE'));
    expect(await as('recoverer', restore)).toMatchObject({ status: 0, stderr: '' });
    await waitForState('recoverer', 'SHOW RESTORE FROM sales', 'FINISHED');
    const rows = await asRoot('SELECT k, v FROM sales.orders');
    expect(rows.stderr).toBe('');
    expect(rows.stdout.trim().split('\n').sort()).toEqual(['1\ta', '12\tb', 'k\tv']);
  });

  it('a role granted but not default works after SET ROLE, in that connection only', async () => {
    const stmt = 'BACKUP DATABASE sales SNAPSHOT p_ok TO repo ON (TABLE orders PARTITION (p1))';
    expect(errorOf(await as('par_op', stmt))).toBe(denial('REPOSITORY', 'SYSTEM', 'NONE', '[recover_par]'));
    expect(await as('par_op', `SET ROLE recover_par; ${stmt}`)).toMatchObject({ status: 0, stderr: '' });
    await waitForState('par_op', 'SET ROLE recover_par; SHOW BACKUP FROM sales', 'FINISHED');
  });

  it('shows what each user holds', async () => {
    const grants = await as('tbl_op', 'SHOW GRANTS');
    expect(grants.stdout).toContain("GRANT 'backup_tbl' TO 'tbl_op'@'%'");
    const other = await as('tbl_op', 'SHOW GRANTS FOR db_op');
    expect(errorOf(other)).toMatch(/^ERROR 5203 \(42000\) at line 1: Access denied; you need \(at least one of\) the GRANT privilege\(s\) on SYSTEM /);
  });
});
