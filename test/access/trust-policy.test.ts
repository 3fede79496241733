import { describe, expect, it } from 'vitest';
import { doorPolicy } from '../../lib/access/door-policy.ts';
import { parseEndpointRules } from '../../lib/access/endpoint-rules.ts';
import { Door, trustGuard } from '../../lib/access/trust-policy.ts';
import { AccessDeniedError } from '../../lib/domain/errors.ts';
import { LocationUse } from '../../lib/ports/trust-guard.ts';

const guard = (door: Door, allowedEndpoints: string[] = [], allowedFilePaths?: string[]) =>
  trustGuard(doorPolicy({ door, allowedEndpoints, ...(allowedFilePaths ? { allowedFilePaths } : {}), deniedFilePaths: ['/home/u/.starbackup'], settings: 'x.conf' }));
const connect = (door: Door, address: string, extra: { host?: string; port?: number; serviceCredentials?: boolean; allowed?: string[] } = {}) =>
  guard(door, extra.allowed).checkConnect({ what: 'aws.s3.endpoint', host: extra.host ?? address, port: extra.port ?? 9000, address, serviceCredentials: extra.serviceCredentials ?? false });

describe('endpoints', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['::1', 'loopback'], ['::ffff:127.0.0.1', 'loopback'], ['169.254.169.254', 'link-local (metadata service)'],
    ['fd00:ec2::254', 'private (unique local)'], ['10.0.0.5', 'private'], ['172.16.0.1', 'private'], ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'], ['0.0.0.0', 'unspecified'], ['fe80::1', 'link-local (metadata service)'],
  ])('serve and the cloud refuse %s (%s)', (address, range) => {
    for (const door of [Door.SERVER, Door.CLOUD]) {
      expect(() => connect(door, address)).toThrow(AccessDeniedError);
      expect(() => connect(door, address)).toThrow(`${range} addresses are not reachable from`);
    }
  });

  it('public addresses pass, unless the service identity would go to them', () => {
    expect(() => connect(Door.SERVER, '52.216.8.1')).not.toThrow();
    expect(() => connect(Door.CLOUD, '2600::1')).not.toThrow();
    expect(() => connect(Door.CLOUD, '52.216.8.1', { host: 'minio.example', serviceCredentials: true })).toThrow(
      "Refused to send the service's own credentials to aws.s3.endpoint minio.example:9000, an endpoint named by the statement: give the repository its own credentials, or name the endpoint in allowed_endpoints in x.conf",
    );
  });

  it('the owner reaches anything', () => {
    expect(() => connect(Door.OWNER, '127.0.0.1', { serviceCredentials: true })).not.toThrow();
    expect(() => connect(Door.OWNER, '10.0.0.5')).not.toThrow();
  });

  it('allow-list entries: host names, addresses with or without a port, networks', () => {
    expect(() => connect(Door.SERVER, '10.0.0.5', { host: 'minio.lan', allowed: ['minio.lan:9000'] })).not.toThrow();
    expect(() => connect(Door.SERVER, '10.0.0.5', { host: 'minio.lan', port: 9001, allowed: ['minio.lan:9000'] })).toThrow(AccessDeniedError);
    expect(() => connect(Door.SERVER, '10.0.0.5', { host: 'MINIO.LAN.', allowed: ['minio.lan'], serviceCredentials: true })).not.toThrow();
    expect(() => connect(Door.SERVER, '10.1.2.3', { allowed: ['10.0.0.0/8'] })).not.toThrow();
    expect(() => connect(Door.SERVER, '::ffff:10.1.2.3', { allowed: ['10.0.0.0/8'] })).not.toThrow();
    expect(() => connect(Door.SERVER, '11.1.2.3', { allowed: ['10.0.0.0/8'], serviceCredentials: true })).toThrow(AccessDeniedError);
    expect(() => connect(Door.SERVER, '::1', { port: 9000, allowed: ['[::1]:9000'] })).not.toThrow();
    expect(() => connect(Door.SERVER, '127.0.0.1', { host: 'localhost', allowed: ['127.0.0.1'] })).not.toThrow();
  });

  it.each([
    ['10.0.0.0/40', "Invalid allowed_endpoints entry '10.0.0.0/40' in s.conf: expected a network such as 10.0.0.0/8"],
    ['host:99999', "Invalid allowed_endpoints entry 'host:99999' in s.conf: the port must be from 1 to 65535"],
    ['http://minio:9000', "Invalid allowed_endpoints entry 'http://minio:9000' in s.conf: expected a network such as 10.0.0.0/8"],
    ['bad_host!', "Invalid allowed_endpoints entry 'bad_host!' in s.conf: not a host name or address"],
  ])('refuses the entry %s', (entry, message) => {
    expect(() => parseEndpointRules([entry], 's.conf')).toThrow(message);
  });
});

describe('files and schemes', () => {
  it('denied trees win over allowed folders', () => {
    const g = guard(Door.SERVER, [], ['/']);
    expect(() => g.checkFile('/proc/1/environ', LocationUse.FILES)).toThrow('FILES() may not reach /proc/1/environ: /proc, /sys, /dev and the home\'s own files are never reachable from a statement');
    expect(() => g.checkFile('/home/u/.starbackup/secret.key', LocationUse.REPOSITORY)).toThrow('A repository may not reach /home/u/.starbackup/secret.key');
    expect(() => g.checkFile('/data/x.csv', LocationUse.FILES)).not.toThrow();
  });

  it('serve allows no folder unless configured; the owner any', () => {
    expect(() => guard(Door.SERVER).checkFile('/data/x.csv', LocationUse.FILES)).toThrow(
      'FILES() may not reach /data/x.csv: starbackup serve allows no local folder; add its folder to allowed_file_paths in x.conf',
    );
    expect(() => guard(Door.OWNER).checkFile('/data/x.csv', LocationUse.FILES)).not.toThrow();
    expect(() => guard(Door.OWNER, [], ['/data/loads']).checkFile('/data/loadsx/x.csv', LocationUse.FILES)).toThrow(
      'FILES() may not reach /data/loadsx/x.csv: the allowed folders are /data/loads; add its folder to allowed_file_paths in x.conf',
    );
  });

  it('only the cloud refuses local schemes', () => {
    expect(() => guard(Door.CLOUD).checkLocation('memory://x', LocationUse.REPOSITORY)).toThrow(AccessDeniedError);
    expect(() => guard(Door.CLOUD).checkLocation('s3://b/p', LocationUse.REPOSITORY)).not.toThrow();
    expect(() => guard(Door.SERVER).checkLocation('file:///x', LocationUse.REPOSITORY)).not.toThrow();
  });
});
