import { Agent as UndiciAgent, buildConnector } from 'undici';
import { type ConnectCheck, guardedLookup, literalRefusal } from './guarded-connect.ts';

/**
 * An undici dispatcher (for `fetch` from the undici package) whose every new socket passes the check. Apart
 * from guarded-connect.ts because undici is half a megabyte of JavaScript that only GCS and WebHDFS use,
 * while the S3 client's agents are loaded by every statement that reaches S3.
 */
export function guardedDispatcher(check: ConnectCheck): UndiciAgent {
  return new UndiciAgent({
    connect: (opts, callback) => {
      const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
      const refusal = literalRefusal(opts.hostname, port, check);
      if (refusal) return callback(refusal, null);
      return buildConnector({ lookup: guardedLookup(opts.hostname, port, check) } as buildConnector.BuildOptions)(opts, callback);
    },
  });
}
