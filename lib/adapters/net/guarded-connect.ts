import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectTarget } from '../../ports/trust-guard.ts';

/**
 * Sockets to endpoints a statement named, checked when they connect: the host is resolved here, every
 * address it resolves to is checked, and the socket connects to the address that was checked, so a DNS
 * answer cannot change between the check and the connection (DNS rebinding). An IP literal skips DNS in
 * Node, so it is checked before the socket is made.
 */
export type ConnectCheck = (target: Omit<ConnectTarget, 'what' | 'serviceCredentials'>) => void;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

export function guardedLookup(host: string, port: number, check: ConnectCheck) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      try {
        for (const a of addresses) check({ host, port, address: a.address });
      } catch (refused) {
        return callback(refused as NodeJS.ErrnoException, '');
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      return first ? callback(null, first.address, first.family) : callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
    });
  };
}

/** The check of an IP literal; undefined when it passes (or the host is a name, checked at lookup). */
export function literalRefusal(host: string, port: number, check: ConnectCheck): Error | undefined {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (!net.isIP(bare)) return undefined;
  try {
    check({ host: bare, port, address: bare });
    return undefined;
  } catch (refused) {
    return refused as Error;
  }
}

type CreateConnection = (options: http.ClientRequestArgs, callback: (err: Error | null, socket?: Duplex) => void) => Duplex | undefined;

function guardedCreateConnection(base: CreateConnection, defaultPort: number, check: ConnectCheck): CreateConnection {
  return function (this: http.Agent, options, callback) {
    const host = String(options.host ?? options.hostname ?? 'localhost');
    const port = Number(options.port ?? defaultPort);
    const refusal = literalRefusal(host, port, check);
    if (refusal) {
      process.nextTick(() => callback(refusal));
      return undefined;
    }
    return base.call(this, { ...options, lookup: guardedLookup(host, port, check) } as http.ClientRequestArgs, callback);
  };
}

/** Keep-alive agents for the AWS SDK's NodeHttpHandler whose every new socket passes the check. */
export function guardedAgents(check: ConnectCheck, options: http.AgentOptions): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  const httpAgent = new http.Agent(options);
  const httpsAgent = new https.Agent(options);
  const create = (agent: http.Agent) => (agent as unknown as { createConnection: CreateConnection }).createConnection;
  Object.assign(httpAgent, { createConnection: guardedCreateConnection(create(httpAgent), 80, check) });
  Object.assign(httpsAgent, { createConnection: guardedCreateConnection(create(httpsAgent), 443, check) });
  return { httpAgent, httpsAgent };
}
