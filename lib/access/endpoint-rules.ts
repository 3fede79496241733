import ipaddr from 'ipaddr.js';
import { AnalysisError } from '../domain/errors.ts';
import type { ConnectTarget } from '../ports/trust-guard.ts';

/**
 * `allowed_endpoints` entries: a host name (`minio.lan`, matched against the name the statement gave),
 * an address (`10.0.0.5`, `[fd00::5]`, matched against the resolved address), either with an optional
 * `:port`, or a network in CIDR form (`10.0.0.0/8`, any port). ipaddr.js does the address arithmetic and
 * knows the special-purpose ranges (loopback, link-local, private, CGNAT, IPv4-mapped IPv6, …).
 */
export type EndpointRule =
  | { kind: 'host'; host: string; port?: number }
  | { kind: 'address'; address: string; port?: number }
  | { kind: 'network'; network: [ipaddr.IPv4 | ipaddr.IPv6, number] };

export function parseEndpointRules(entries: readonly string[], source: string): EndpointRule[] {
  return entries.map((entry) => parseRule(entry.trim(), source));
}

function parseRule(entry: string, source: string): EndpointRule {
  const bad = (why: string) => new AnalysisError(`Invalid allowed_endpoints entry '${entry}' in ${source}: ${why}`);
  if (entry.includes('/')) {
    try {
      return { kind: 'network', network: ipaddr.parseCIDR(entry) };
    } catch {
      throw bad('expected a network such as 10.0.0.0/8');
    }
  }
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:]+))(?::(\d{1,5}))?$/i.exec(entry) ?? /^([0-9a-f:]+)()$/i.exec(entry);
  if (!match) throw bad('expected host, host:port, address, [IPv6]:port or a CIDR network');
  const host = (match[1] ?? match[2] ?? '').toLowerCase();
  const port = match[3] === undefined || match[3] === '' ? undefined : Number(match[3]);
  if (port !== undefined && (port < 1 || port > 65535)) throw bad('the port must be from 1 to 65535');
  const withPort = port === undefined ? {} : { port };
  if (ipaddr.isValid(host)) return { kind: 'address', address: normalize(host), ...withPort };
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host)) throw bad('not a host name or address');
  return { kind: 'host', host, ...withPort };
}

export function matchesRule(rule: EndpointRule, target: ConnectTarget): boolean {
  if (rule.kind === 'network') {
    const address = ipaddr.process(target.address);
    return address.kind() === rule.network[0].kind() && address.match(rule.network);
  }
  if (rule.port !== undefined && rule.port !== target.port) return false;
  return rule.kind === 'host' ? rule.host === target.host.toLowerCase().replace(/\.$/, '') : rule.address === normalize(target.address);
}

/** ipaddr.js's range name of an address (`unicast` is the public internet), IPv4-mapped IPv6 unwrapped. */
export function rangeOf(address: string): string {
  return ipaddr.isValid(address) ? ipaddr.process(address).range() : 'invalid';
}

const RANGE_NAMES: Record<string, string> = {
  loopback: 'loopback',
  linkLocal: 'link-local (metadata service)',
  private: 'private',
  uniqueLocal: 'private (unique local)',
  carrierGradeNat: 'carrier-grade NAT',
  unspecified: 'unspecified',
};

export function describeRange(range: string): string {
  return RANGE_NAMES[range] ?? `special-purpose (${range})`;
}

function normalize(address: string): string {
  return ipaddr.process(address).toString();
}
