/** A StarRocks-shaped result: column titles and rows of text cells (NULL as null). */
export interface ResultSet {
  columns: string[];
  rows: (string | null)[][];
  /** For statements without rows (DDL): what happened, e.g. "Query OK, 3 rows affected". */
  message?: string;
  /** Set by BACKUP and RESTORE: the job they started, so an embedded caller can wait for it. */
  job?: { jobId: string; type: string; label: string; done?: Promise<void> };
}

export function ok(message = 'Query OK, 0 rows affected'): ResultSet {
  return { columns: [], rows: [], message };
}

export function table(columns: string[], rows: (string | number | boolean | null | undefined)[][]): ResultSet {
  return { columns, rows: rows.map((r) => r.map((c) => (c === null || c === undefined ? null : String(c)))) };
}
