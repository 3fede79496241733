import { AnalysisError } from '../domain/errors.ts';

/**
 * CSV as StarRocks' FILES() reads it: `csv.column_separator` (default `\t`), `csv.row_delimiter` (default
 * `\n`), `csv.skip_header` lines, `csv.enclose` quote character, `csv.escape`. `\N` is NULL.
 */
export interface CsvOptions {
  columnSeparator: string;
  rowDelimiter: string;
  skipHeader: number;
  enclose?: string;
  escape?: string;
}

const unescape = (s: string) => s.replace(/\\t/g, '\t').replace(/\\n/g, '\n').replace(/\\r/g, '\r');

export function csvOptions(props: Record<string, string>): CsvOptions {
  const skip = props['csv.skip_header'] ?? '0';
  if (!/^\d+$/.test(skip)) throw new AnalysisError(`Invalid csv.skip_header: '${skip}'`);
  const opts: CsvOptions = {
    columnSeparator: unescape(props['csv.column_separator'] ?? props['column_separator'] ?? '\\t'),
    rowDelimiter: unescape(props['csv.row_delimiter'] ?? props['row_delimiter'] ?? '\\n'),
    skipHeader: Number(skip),
  };
  if (!opts.columnSeparator || !opts.rowDelimiter) throw new AnalysisError('csv.column_separator and csv.row_delimiter must not be empty');
  if (props['csv.enclose']) opts.enclose = props['csv.enclose'];
  if (props['csv.escape']) opts.escape = props['csv.escape'];
  return opts;
}

export function parseCsv(text: string, o: CsvOptions): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  const endField = () => {
    row.push(!wasQuoted && field === '\\N' ? null : field);
    field = '';
    wasQuoted = false;
  };
  for (let i = 0; i < text.length; ) {
    const ch = text[i]!;
    if (quoted) {
      if (o.escape && ch === o.escape && i + 1 < text.length) { field += text[i + 1]; i += 2; continue; }
      if (ch === o.enclose) {
        if (text[i + 1] === o.enclose) { field += ch; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += ch; i++; continue;
    }
    if (o.enclose && ch === o.enclose && field === '') { quoted = true; wasQuoted = true; i++; continue; }
    if (text.startsWith(o.columnSeparator, i)) { endField(); i += o.columnSeparator.length; continue; }
    if (text.startsWith(o.rowDelimiter, i)) {
      endField();
      rows.push(row);
      row = [];
      i += o.rowDelimiter.length;
      continue;
    }
    field += ch;
    i++;
  }
  if (quoted) throw new AnalysisError('CSV ends inside a quoted field');
  if (field !== '' || row.length > 0 || wasQuoted) { endField(); rows.push(row); }
  // A trailing \r from Windows line ends is not data.
  if (o.rowDelimiter === '\n') for (const r of rows) { const last = r.length - 1; if (typeof r[last] === 'string') r[last] = (r[last] as string).replace(/\r$/, ''); }
  return rows.slice(o.skipHeader);
}
