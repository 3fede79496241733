import { describe, expect, it } from 'vitest';
import { ParseError } from '../../lib/domain/errors.ts';
import { parseExpression, parseScript, parseStatement, parseStatements } from '../../lib/sql/parse.ts';
import { specSqlBlocks } from './helpers.ts';

/** mulberry32: small, fast and deterministic, so a failure reproduces from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLUSTER_SQL = [
  `CREATE TABLE IF NOT EXISTS d.t (k DATE NOT NULL, v VARCHAR(20) NULL DEFAULT 'x' COMMENT "c", s BIGINT SUM DEFAULT "0")
   ENGINE = OLAP AGGREGATE KEY (k, v) COMMENT 't' PARTITION BY RANGE (k) (PARTITION p1 VALUES LESS THAN ("2024-01-01"),
   PARTITION p2 VALUES [("2024-01-01"), ("2024-02-01")), PARTITION p3 VALUES LESS THAN MAXVALUE)
   DISTRIBUTED BY HASH (k) BUCKETS 3 ORDER BY (k) PROPERTIES ("replication_num" = "1")`,
  `CREATE TABLE t (c VARCHAR(5), n INT) PARTITION BY LIST (c, n) (PARTITION p VALUES IN (("a", 1), ("b", -2))) DISTRIBUTED BY RANDOM`,
  `INSERT OVERWRITE d.t PARTITION (p1) (a, b) VALUES (1, -2.5e3), ('x', NULL), (TRUE, false)`,
  `INSERT INTO t SELECT * FROM FILES("path" = "file:///tmp/a.csv", "format" = "csv")`,
  "SELECT a, `b` AS c FROM d.t PARTITION (p1) WHERE a >= -1 AND (b NOT IN ('x', \"y\") OR c IS NOT NULL) && d NOT LIKE 'z%' LIMIT 5",
  'SELECT COUNT(*) FROM t',
  "CREATE OR REPLACE VIEW v (a COMMENT 'x', b) COMMENT 'v' AS SELECT a, b FROM t WHERE a = ';'",
  'CREATE GLOBAL AGGREGATE FUNCTION IF NOT EXISTS d.f(INT, DECIMAL(10, 2), ...) RETURNS BIGINT INTERMEDIATE VARCHAR(8) PROPERTIES ("a" = "b")',
  'DROP FUNCTION IF EXISTS f(INT)',
  'SHOW FULL BUILTIN FUNCTIONS FROM d',
  `CREATE MATERIALIZED VIEW mv COMMENT 'm' PARTITION BY (a) DISTRIBUTED BY HASH (a) BUCKETS 2
   REFRESH DEFERRED ASYNC START ('2024-01-01') EVERY (INTERVAL 1 DAY) PROPERTIES ('a' = 'b') AS SELECT a FROM t`,
  "SHOW MATERIALIZED VIEWS FROM d WHERE name = 'x'",
  'ALTER MATERIALIZED VIEW mv ACTIVE',
  'REFRESH MATERIALIZED VIEW mv WITH SYNC MODE',
  "CREATE EXTERNAL CATALOG c COMMENT 'x' PROPERTIES ('type' = 'hive')",
  "SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'x' AND TIMESTAMP = 't'",
  'DROP SNAPSHOT s ON r FORCE',
  "ADMIN VERIFY SNAPSHOT s ON r PROPERTIES ('k' = 'v')",
  'SHOW CREATE MATERIALIZED VIEW d.mv',
  'DROP DATABASE IF EXISTS d FORCE; USE d; SHOW TABLES IN d; SHOW PARTITIONS FROM t',
];

const FRAGMENTS = [
  '(', ')', ',', ';', "'", '"', '`', '.', '-', '--', '/*', '*/', '//', '#', '\\', '[', ']', '=', '<>', '...', ' ',
  '\n', '\0', 'é', '表', '😀', '\ud800', '0', '-1', '1e', '.5', 'NOT', 'NULL', 'AS', 'ALL', 'TABLE', 'VIEW',
  'PARTITION', 'SELECT', 'FROM', 'PROPERTIES', 'ON', 'IN', 'IS', 'LIKE', 'WITH', 'MAXVALUE', 'VALUES', '``', "''",
];

function mutate(sql: string, rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const at = () => Math.floor(rand() * (sql.length + 1));
  let out = sql;
  const edits = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < edits; i++) {
    const p = at();
    const q = Math.min(out.length, p + 1 + Math.floor(rand() * 12));
    switch (Math.floor(rand() * 5)) {
      case 0:
        out = out.slice(0, p) + out.slice(q);
        break;
      case 1:
        out = out.slice(0, p) + pick(FRAGMENTS) + out.slice(p);
        break;
      case 2:
        out = out.slice(0, p) + out.slice(p, q) + out.slice(p);
        break;
      case 3:
        out = out.slice(0, p);
        break;
      default:
        out = out.slice(0, p) + pick(FRAGMENTS) + out.slice(q);
    }
  }
  return out;
}

describe('mutated statements', () => {
  it('only ever throw ParseError, with a sane position, and never an internal error; parseScript never throws', () => {
    const corpus = [...specSqlBlocks(), ...CLUSTER_SQL];
    const rand = prng(20240601);
    let parsed = 0;
    let rejected = 0;
    for (let i = 0; i < 4000; i++) {
      const sql = mutate(corpus[i % corpus.length] as string, rand);
      const script = parseScript(sql);
      if (script.failure !== undefined) expect(script.failure.error).toBeInstanceOf(ParseError);
      for (const run of [() => parseStatements(sql), () => parseStatement(sql), () => parseExpression(sql)]) {
        try {
          const result = run();
          if (Array.isArray(result)) for (const s of result) expect(sql.includes(s.text)).toBe(true);
          parsed++;
        } catch (err) {
          if (!(err instanceof ParseError)) throw new Error(`non-ParseError for ${JSON.stringify(sql)}: ${String(err)}`);
          if (err.detail.startsWith('Internal parser error')) throw new Error(`${err.message} for ${JSON.stringify(sql)}`);
          expect(err.line).toBeGreaterThanOrEqual(1);
          expect(err.column).toBeGreaterThanOrEqual(1);
          expect(err.line).toBeLessThanOrEqual(sql.split('\n').length);
          rejected++;
        }
      }
    }
    expect(parsed).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(1000);
  });
});
