import { type Outcome, runScript } from '../../bin/run-script.ts';
import type { Session } from '../../lib/statements/session.ts';
import type { TestCluster } from '../support/test-cluster.ts';

/**
 * A non-root session on a test cluster, and StarRocks' access-denied text (fe-core common/ErrorCode
 * ERR_ACCESS_DENIED through authorization/AccessDeniedException.reportAccessDenied).
 */
export const denied = (privilege: string, on: string, roles = 'NONE') =>
  `Access denied; you need (at least one of) the ${privilege} privilege(s) on ${on} for this operation. ` +
  'Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. ' +
  `Current role(s): ${roles}. Inactivated role(s): NONE.`;

export interface UserSession {
  session: Session;
  run(text: string): Promise<Outcome[]>;
  /** The failing statement's message; fails the test if none fails. */
  error(text: string): Promise<string>;
  /** The last statement's rows; fails the test on an error. */
  rows(text: string): Promise<(string | null)[][]>;
  /** `GRANT <what> TO USER '<name>'@'%'`, run by root. */
  grant(what: string): Promise<void>;
}

export function userSession(c: TestCluster, name: string): UserSession {
  const session: Session = { user: { name, host: '%' } };
  const run = (text: string) => runScript(c.ctx, text, { session });
  const rows = async (text: string) => {
    const outcomes = await run(text);
    const failed = outcomes.find((o) => o.error);
    if (failed) throw new Error(`${failed.statement}: ${failed.error!.message}`);
    return outcomes.at(-1)!.result!.rows;
  };
  return {
    session,
    run,
    rows,
    error: async (text) => {
      const failed = (await run(text)).find((o) => o.error);
      if (!failed) throw new Error(`expected an error from: ${text}`);
      return failed.error!.message;
    },
    grant: async (what) => {
      await c.sql(`GRANT ${what} TO USER '${name}'@'%'`);
    },
  };
}
