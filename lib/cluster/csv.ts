import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Options } from 'csv-parse';
import { AnalysisError } from '../domain/errors.ts';
import { CsvSplitter, recordTooLong, type SplitterOptions, unclosedQuote } from './csv-splitter.ts';

/**
 * CSV as StarRocks' FILES() reads it: `csv.column_separator` (default `\t`), `csv.row_delimiter` (default
 * `\n`), `csv.skip_header` lines, `csv.enclose` quote character, `csv.escape`, `csv.trim_space`. `\N` is NULL.
 */
export interface CsvOptions {
  columnSeparator: string;
  rowDelimiter: string;
  skipHeader: number;
  enclose?: string;
  escape?: string;
  trimSpace?: boolean;
}

/**
 * The longest record a load holds at once: an unterminated quote would otherwise gather the rest of the
 * file into one field, and memory would grow with the file.
 */
export const MAX_RECORD_CHARS = 64 * 1024 * 1024;

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
  const trim = props['csv.trim_space']?.toLowerCase();
  if (trim !== undefined && trim !== 'true' && trim !== 'false') throw new AnalysisError(`Invalid csv.trim_space: '${props['csv.trim_space']}'; use true or false`);
  if (trim === 'true') opts.trimSpace = true;
  return opts;
}

/** csv-parse's options for o: the meaning CsvSplitter keeps (test/cluster/csv-splitter.test.ts compares the two). */
export function parserOptions(o: CsvOptions): Options {
  return {
    delimiter: o.columnSeparator,
    // Windows line ends: `\r\n` ends a row too when rows end with `\n`, also after a closing quote.
    record_delimiter: o.rowDelimiter === '\n' && o.enclose ? ['\r\n', '\n'] : o.rowDelimiter,
    quote: o.enclose ?? false,
    // A doubled enclose character is always a literal one; csv.escape, when given, escapes the next one.
    escape: o.escape ?? o.enclose ?? null,
    // A quote character inside an unquoted field is data, and rows may differ in length: the row check
    // that follows names the row and the column counts.
    relax_quotes: true,
    relax_column_count: true,
    trim: o.trimSpace ?? false,
    max_record_size: MAX_RECORD_CHARS,
    // A UTF-8 byte order mark (spreadsheets write one) is not data, as in StarRocks since 3.0 (#25890).
    bom: true,
  };
}

export function splitterOptions(o: CsvOptions): SplitterOptions | undefined {
  const { columnSeparator: sep, rowDelimiter: row, enclose } = o;
  if (o.trimSpace || sep.length !== 1 || row.length !== 1 || (enclose !== undefined && enclose.length !== 1)) return undefined;
  if (enclose !== undefined && o.escape !== undefined && o.escape !== enclose) return undefined;
  if (sep === row || sep === enclose || row === enclose) return undefined;
  const crlf = row === '\n' && enclose !== undefined;
  // With `\r\n` a row end, a `\r` separator would be read first as the start of one.
  if (crlf && sep === '\r') return undefined;
  return { separator: sep, rowDelimiter: row, enclose, crlf };
}

/**
 * The rows of a CSV stream, read as they arrive, after the header lines, in the batches each chunk read
 * makes: one wait per chunk rather than per row. The common options (one-character separator and row
 * delimiter, a quote escaped by doubling, no trimming) go through CsvSplitter, the rest through csv-parse,
 * with the same meaning. `\N` is NULL, enclosed or not: StarRocks' reader removes the enclose characters
 * before its NullableConverter compares the field with `\N` (be/src/formats/csv/nullable_converter.cpp,
 * read_string).
 */
export async function* csvRows(source: Readable, o: CsvOptions, atStart = true): AsyncGenerator<(string | null)[][]> {
  const fast = splitterOptions(o);
  const records = fast ? splitRecords(source, fast, atStart) : parseRecords(source, o);
  let skip = o.skipHeader;
  try {
    for await (const batch of records) {
      let from = 0;
      if (skip > 0) {
        from = Math.min(skip, batch.length);
        skip -= from;
      }
      const out = finishRecords(from > 0 ? batch.slice(from) : batch, o);
      if (out.length > 0) yield out;
    }
  } catch (e) {
    throw csvError(e);
  }
}

/** Records as rows: `\N` is NULL, and with rows ending at `\n`, one `\r` ending the last field is not data. */
export function finishRecords(records: (string | null)[][], o: CsvOptions): (string | null)[][] {
  const stripCr = o.rowDelimiter === '\n';
  for (const record of records) {
    const last = record.length - 1;
    if (stripCr && (record[last] as string).endsWith('\r')) record[last] = (record[last] as string).slice(0, -1);
    for (let i = 0; i <= last; i++) if (record[i] === '\\N') record[i] = null;
  }
  return records;
}

/**
 * Bytes in, records out through CsvSplitter: the text decoded as it comes, with csv-parse's handling of a
 * byte order mark at the start of the file (not of the rest of one, which a parallel load reads from the
 * middle when it falls back: csv-pool.ts).
 */
async function* splitRecords(source: Readable, so: SplitterOptions, atStart: boolean): AsyncGenerator<(string | null)[][]> {
  const splitter = new CsvSplitter(so, MAX_RECORD_CHARS);
  let decoder: StringDecoder | undefined = atStart ? undefined : new StringDecoder('utf8');
  let head = Buffer.alloc(0);
  // The first bytes decide: a UTF-8 mark is not data, and a UTF-16LE one says how the rest is encoded.
  const start = (): string => {
    const utf16 = head[0] === 0xff && head[1] === 0xfe;
    const utf8 = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
    decoder = new StringDecoder(utf16 ? 'utf16le' : 'utf8');
    return decoder.write(head.subarray(utf16 ? 2 : utf8 ? 3 : 0));
  };
  const text = (chunk: Buffer): string => {
    if (decoder) return decoder.write(chunk);
    head = Buffer.concat([head, chunk]);
    return head.length < 3 ? '' : start();
  };
  for await (const chunk of source as AsyncIterable<Buffer>) {
    const rows: string[][] = [];
    splitter.push(text(chunk), rows);
    if (rows.length > 0) yield rows;
  }
  const rows: string[][] = [];
  // A file of fewer than three bytes is decoded only now.
  const rest = decoder ? '' : start();
  splitter.push(rest + decoder!.end(), rows);
  splitter.end(rows);
  if (rows.length > 0) yield rows;
}

/** Records through csv-parse, for the options CsvSplitter does not take. */
async function* parseRecords(source: Readable, o: CsvOptions): AsyncGenerator<(string | null)[][]> {
  // Loaded by the load that needs it, not by every statement's start (the CLI's bundle splits it off).
  const { parse } = await import('csv-parse');
  const parser = parse(parserOptions(o));
  // A read error of the file reaches the loop below through the parser, which pipeline destroys with it.
  pipeline(source, parser).catch(() => undefined);
  let ended = false;
  let failed: { error: unknown } | undefined;
  let wake = () => {};
  parser.on('readable', () => wake());
  parser.on('end', () => { ended = true; wake(); });
  parser.on('error', (error) => { failed = { error }; wake(); });
  try {
    for (;;) {
      if (failed) throw failed.error;
      const batch: (string | null)[][] = [];
      let record: (string | null)[] | null;
      while ((record = parser.read() as (string | null)[] | null) !== null) batch.push(record);
      if (batch.length > 0) yield batch;
      else if (ended) return;
      else await new Promise<void>((resolve) => { wake = resolve; });
    }
  } finally {
    parser.destroy();
  }
}

function csvError(e: unknown): unknown {
  const code = (e as { code?: string }).code;
  if (code === 'CSV_QUOTE_NOT_CLOSED') return unclosedQuote();
  if (code === 'CSV_MAX_RECORD_SIZE') return recordTooLong((e as { lines?: number }).lines ?? 0, MAX_RECORD_CHARS);
  if (code?.startsWith('CSV_')) return new AnalysisError(`CSV: ${(e as Error).message}`);
  return e;
}
