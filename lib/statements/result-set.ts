/** A StarRocks-shaped result: column titles and rows of text cells (NULL as null). */
export interface ResultSet {
  columns: string[];
  rows: (string | null)[][];
  /** For statements without rows (DDL): what happened, e.g. "Query OK, 3 rows affected". */
  message?: string;
  /** Set by BACKUP and RESTORE: the job they started, so an embedded caller can wait for it. */
  job?: { jobId: string; type: string; label: string; done?: Promise<void> };
}

/** What a cell may be drawn as: numbers and booleans become their text, undefined is NULL. */
export type Cell = string | number | boolean | null | undefined;

export function ok(message = 'Query OK, 0 rows affected'): ResultSet {
  return { columns: [], rows: [], message };
}

export function table(columns: string[], rows: Cell[][]): ResultSet {
  return { columns, rows: rows.map((r) => r.map(cellText)) };
}

function cellText(c: Cell): string | null {
  return c === null || c === undefined ? null : String(c);
}

/** One column of a result: its title, and how its cell is drawn from the item a row shows. */
export type Column<T> = readonly [title: string, cell: (item: T) => Cell];

/** A result declared column by column, so a title and its cell can never drift apart. */
export interface ResultColumns<T> {
  /** The titles, in order. */
  readonly columns: string[];
  /** The result with one row per item, in the items' order. */
  of(items: Iterable<T>): ResultSet;
}

/**
 * Declares a result as an ordered list of `[title, (item) => cell]` pairs; `of(items)` draws one row per
 * item. Every SHOW declares its columns this way, so adding a column is one line, title beside cell.
 */
export function columns<T>(cols: readonly Column<T>[]): ResultColumns<T> {
  const titles = cols.map(([title]) => title);
  return {
    columns: titles,
    of: (items) => ({ columns: [...titles], rows: Array.from(items, (item) => cols.map(([, cell]) => cellText(cell(item)))) }),
  };
}
