import type { ResultSet } from '../lib/statements/result-set.ts';

/** What the mysql client prints after USE, without a timing (its com_use). */
const DATABASE_CHANGED = 'Database changed';

/**
 * Renders a result like the mysql client: a boxed table and a "N rows in set" line. The client aligns a
 * cell by its column's type, numbers to the right; our cells are text, so a column is numeric when every
 * cell in it is a number or NULL (and one at least a number). Titles stay on the left, as the client has them.
 */
export function formatResult(r: ResultSet, seconds: number): string {
  const time = `(${seconds.toFixed(2)} sec)`;
  if (r.columns.length === 0) return r.message === DATABASE_CHANGED ? `${r.message}\n` : `${r.message ?? 'Query OK'} ${time}\n`;
  if (r.rows.length === 0) return `Empty set ${time}\n`;
  const cell = (c: string | null) => (c === null ? 'NULL' : c);
  const lines = (c: string | null) => cell(c).split('\n');
  const widths = r.columns.map((h, i) => Math.max(width(h), ...r.rows.map((row) => Math.max(...lines(row[i] ?? null).map(width)))));
  const bar = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const right = r.columns.map((_, i) => isNumeric(r.rows.map((row) => row[i] ?? null)));
  const pad = (c: string, i: number, toRight: boolean) => (toRight ? ' '.repeat(widths[i]! - width(c)) + c : c + ' '.repeat(widths[i]! - width(c)));
  const line = (cells: string[], aligned = true) => `| ${cells.map((c, i) => pad(c, i, aligned && right[i]!)).join(' | ')} |`;
  const out = [bar, line(r.columns, false), bar];
  for (const row of r.rows) {
    // A multi-line cell (SHOW CREATE TABLE) spans several lines, as the mysql client prints it.
    const cells = r.columns.map((_, i) => lines(row[i] ?? null));
    const height = Math.max(...cells.map((c) => c.length));
    for (let k = 0; k < height; k++) out.push(line(cells.map((c) => c[k] ?? '')));
  }
  out.push(bar);
  const n = r.rows.length;
  return `${out.join('\n')}\n${n} row${n === 1 ? '' : 's'} in set ${time}\n`;
}

/** Display width: East Asian wide characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function isNumeric(cells: (string | null)[]): boolean {
  return cells.some((c) => c !== null) && cells.every((c) => c === null || NUMBER.test(c));
}
