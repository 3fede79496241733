import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startServer } from '../../bin/serve.ts';
import { mariadb, requireMysqlClients } from '../support/mysql-clients.ts';
import { runProcess } from '../support/run-process.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/**
 * TLS on the MySQL door: a certificate made here by the openssl CLI, named by ssl_cert_file and
 * ssl_key_file in the home's starbackup.conf; with ssl_force_secure_transport = true a plain connection
 * is refused with StarRocks' ERR_SECURE_TRANSPORT_REQUIRED (fe-core ErrorCode.java, 5205; StarRocks
 * exempts loopback clients, this server does not: it listens on loopback by default).
 */
const temp = useTempDirs('mysql-door-tls');
let server: LocalServer;
let cert: string;

beforeAll(async () => {
  requireMysqlClients();
  const dir = await temp.make();
  const home = join(dir, 'home');
  mkdirSync(home);
  cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = await runProcess('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  expect(made.status, made.stderr).toBe(0);
  writeFileSync(join(home, 'starbackup.conf'), `ssl_cert_file = ${cert}\nssl_key_file = ${key}\nssl_force_secure_transport = true\n`);
  server = await startServer({ home, port: 0, mysqlPort: 0 });
});

afterAll(async () => {
  await server?.close();
});

describe('TLS on the MySQL door', () => {
  it('serves the mariadb client over TLS, and refuses it without', async () => {
    const secure = await mariadb(server.mysqlPort!, ['--ssl', `--ssl-ca=${cert}`, '--ssl-verify-server-cert', '-e', 'CREATE DATABASE tls_db; SHOW DATABASES']);
    expect(secure).toMatchObject({ status: 0, stderr: '', stdout: 'Database\ntls_db\n' });
    const plain = await mariadb(server.mysqlPort!, ['--skip-ssl', '-e', 'SHOW DATABASES']);
    expect(plain.stderr.trim()).toBe('ERROR 5205 (HY000): Connections using insecure transport are prohibited');
  });

  it('serves mysql2 with ssl, prepared statements included, and refuses it without', async () => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: server.mysqlPort!, user: 'root', ssl: { ca: readFileSync(cert, 'utf8') } });
    try {
      const [rows] = await c.execute('SHOW DATABASES');
      expect(rows).toEqual([{ Database: 'tls_db' }]);
    } finally {
      await c.end();
    }
    await expect(mysql.createConnection({ host: '127.0.0.1', port: server.mysqlPort!, user: 'root' })).rejects.toMatchObject({
      errno: 5205, message: 'Connections using insecure transport are prohibited',
    });
  });

  it('refuses a configuration that forces TLS without a certificate', async () => {
    const home = join(await temp.make(), 'home');
    mkdirSync(home);
    writeFileSync(join(home, 'starbackup.conf'), 'ssl_force_secure_transport = true\n');
    await expect(startServer({ home, port: 0, mysqlPort: 0 })).rejects.toThrow(
      `${join(home, 'starbackup.conf')} sets ssl_force_secure_transport = true without ssl_cert_file and ssl_key_file: no client could connect`,
    );
    writeFileSync(join(home, 'starbackup.conf'), 'ssl_cert_file = cert.pem\n');
    await expect(startServer({ home, port: 0, mysqlPort: 0 })).rejects.toThrow("Invalid value 'cert.pem' for ssl_cert_file in");
  });
});
