import { join } from 'node:path';
import { type Embedded, type EmbeddedOptions, openEmbedded } from '../../bin/embedded-runtime.ts';
import { type Outcome, runScript } from '../../bin/run-script.ts';
import type { ResultSet } from '../../lib/statements/result-set.ts';
import type { Session } from '../../lib/statements/session.ts';

/** An embedded cluster in a temp home, with helpers to run SQL the way the CLI does. */
export interface TestCluster extends Embedded {
  session: Session;
  /** Runs a script; throws the first error's message. Returns the results of every statement. */
  sql(text: string): Promise<ResultSet[]>;
  /** Runs a script and returns the outcomes, errors included. */
  run(text: string): Promise<Outcome[]>;
  /** The error message of the script's failing statement (fails the test if none fails). */
  error(text: string): Promise<string>;
  /** The rows of the last statement. */
  rows(text: string): Promise<(string | null)[][]>;
  /** `SELECT COUNT(*)` as a number. */
  count(table: string): Promise<number>;
}

export async function openTestCluster(dir: string, options: EmbeddedOptions = {}): Promise<TestCluster> {
  const embedded = await openEmbedded(join(dir, 'home'), options);
  const session: Session = {};
  const run = (text: string) => runScript(embedded.ctx, text, { session });
  const sql = async (text: string) => {
    const outcomes = await run(text);
    const failed = outcomes.find((o) => o.error);
    if (failed) throw new Error(`${failed.statement}: ${failed.error!.code}: ${failed.error!.message}`);
    return outcomes.map((o) => o.result!);
  };
  return {
    ...embedded,
    session,
    run,
    sql,
    error: async (text) => {
      const failed = (await run(text)).find((o) => o.error);
      if (!failed) throw new Error(`expected an error from: ${text}`);
      return failed.error!.message;
    },
    rows: async (text) => (await sql(text)).at(-1)!.rows,
    count: async (table) => Number((await sql(`SELECT COUNT(*) FROM ${table}`))[0]!.rows[0]![0]),
  };
}

/** The timestamp of the one snapshot with this label, from SHOW SNAPSHOT. */
export async function snapshotTimestamp(c: TestCluster, repo: string, label: string): Promise<string> {
  const rows = await c.rows(`SHOW SNAPSHOT ON ${repo} WHERE SNAPSHOT = '${label}'`);
  const ts = rows[0]?.[1];
  if (!ts || rows[0]![2] !== 'OK') throw new Error(`no finished snapshot ${label}: ${JSON.stringify(rows)}`);
  return ts;
}
