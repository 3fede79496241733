import { AnalysisError } from '../domain/errors.ts';

/**
 * What the splitter takes: a one-character separator and row delimiter, an optional one-character enclose
 * whose doubling is its escape, no trimming. With `crlf`, `\r\n` ends a row as `\n` does (csv.ts asks this
 * of csv-parse when rows end with `\n` and fields may be enclosed).
 */
export interface SplitterOptions { separator: string; rowDelimiter: string; enclose?: string; crlf: boolean }

export const unclosedQuote = () => new AnalysisError('CSV ends inside a quoted field');
export const recordTooLong = (line: number, max: number) =>
  new AnalysisError(`CSV row at line ${line} is longer than ${max} characters; is a quote left open?`);

const CR = 13;
const LF = 10;

/**
 * Splits CSV text into records, pushed a piece at a time, with the meaning csv-parse gives the same options
 * in csv.ts (relaxed quotes: a quote inside an unquoted field is data, and a closing quote followed by
 * anything but a separator or a row's end is data too, with the text after it). It exists for speed: on
 * this machine csv-parse reads about 10 MB/s, whatever its options, because it looks at every byte in
 * JavaScript and makes a Buffer per field; this finds separators, row ends and quotes with indexOf and
 * slices the decoded text, and a row without a quote is one split. test/cluster/csv-splitter.test.ts
 * compares the two on generated text, split at random places.
 */
export class CsvSplitter {
  private carry = '';
  /** The line the next record starts on, for the message about a record too long. */
  private line = 1;
  private readonly sep: number;
  private readonly row: number;
  private readonly quote: number;

  constructor(private readonly o: SplitterOptions, private readonly maxRecordChars: number) {
    this.sep = o.separator.charCodeAt(0);
    this.row = o.rowDelimiter.charCodeAt(0);
    this.quote = o.enclose === undefined ? -1 : o.enclose.charCodeAt(0);
  }

  /** Adds the records that text completes to rows; an incomplete last one waits for the next piece. */
  push(text: string, rows: string[][]): void {
    const s = this.carry.length > 0 ? this.carry + text : text;
    const p = this.split(s, false, rows);
    this.carry = p < s.length ? s.slice(p) : '';
    if (this.carry.length > this.maxRecordChars) throw recordTooLong(this.line, this.maxRecordChars);
  }

  /** The text of the record not yet complete. */
  get pending(): string {
    return this.carry;
  }

  /** The input has ended: adds its last record, if it has one. */
  end(rows: string[][]): void {
    if (this.carry.length > 0) this.split(this.carry, true, rows);
    this.carry = '';
  }

  /** Adds the complete records of s to rows, and returns where the first incomplete one starts. */
  private split(s: string, final: boolean, rows: string[][]): number {
    const n = s.length;
    const { separator, rowDelimiter, enclose } = this.o;
    let nextQuote = enclose === undefined ? n : indexOr(s, enclose, 0, n);
    let p = 0;
    while (p < n) {
      let r = s.indexOf(rowDelimiter, p);
      if (r < 0) {
        if (!final) return p;
        r = n;
      }
      if (nextQuote < p) nextQuote = indexOr(s, enclose!, p, n);
      if (nextQuote >= r) {
        // No enclose character before the row's end: the row is its text split at each separator.
        if (r - p > this.maxRecordChars) throw recordTooLong(this.line, this.maxRecordChars);
        // `\r\n` ends the row as a whole, so one `\r` before the `\n` is not data.
        const to = this.o.crlf && r < n && s.charCodeAt(r - 1) === CR && r > p ? r - 1 : r;
        rows.push(s.slice(p, to).split(separator));
        this.line++;
        p = r + 1;
        continue;
      }
      const end = this.enclosed(s, p, final, rows);
      if (end < 0) return p;
      if (end - p > this.maxRecordChars) throw recordTooLong(this.line, this.maxRecordChars);
      for (let i = s.indexOf(rowDelimiter, p); i >= 0 && i < end; i = s.indexOf(rowDelimiter, i + 1)) this.line++;
      p = end;
    }
    return Math.min(p, n);
  }

  /**
   * One record that holds an enclose character, field by field, from p. Returns where the next record
   * starts, or -1 when s ends before this record does (and more text may come).
   */
  private enclosed(s: string, p: number, final: boolean, rows: string[][]): number {
    const { sep, row, quote } = this;
    const { separator, rowDelimiter, enclose, crlf } = this.o;
    const n = s.length;
    const fields: string[] = [];
    let r = -1;
    for (;;) {
      let prefix = '';
      if (s.charCodeAt(p) === quote) {
        let value = '';
        let from = p + 1;
        let q: number;
        let next: number;
        for (;;) {
          q = s.indexOf(enclose!, from);
          if (q < 0) {
            if (final) throw unclosedQuote();
            return -1;
          }
          // Whether this quote is doubled, or closes the field, depends on what follows it.
          if (q + 1 === n && !final) return -1;
          next = s.charCodeAt(q + 1);
          if (next !== quote) break;
          value += s.slice(from, q + 1);
          from = q + 2;
        }
        value += s.slice(from, q);
        const after = q + 1;
        if (after === n) {
          fields.push(value);
          rows.push(fields);
          return n;
        }
        if (next === sep) {
          fields.push(value);
          p = after + 1;
          continue;
        }
        if (next === row) {
          fields.push(value);
          rows.push(fields);
          return after + 1;
        }
        if (crlf && next === CR) {
          if (after + 1 === n && !final) return -1;
          if (s.charCodeAt(after + 1) === LF) {
            fields.push(value);
            rows.push(fields);
            return after + 2;
          }
        }
        // Not a closing quote after all: both quotes are data, and the field goes on unquoted.
        prefix = enclose! + value + enclose!;
        p = after;
      }
      if (r < p) {
        r = s.indexOf(rowDelimiter, p);
        if (r < 0) {
          if (!final) return -1;
          r = n;
        }
      }
      const e = s.indexOf(separator, p);
      if (e < 0 || e > r) {
        const to = crlf && r < n && r > p && s.charCodeAt(r - 1) === CR ? r - 1 : r;
        fields.push(prefix + s.slice(p, to));
        rows.push(fields);
        return r + 1;
      }
      fields.push(prefix + s.slice(p, e));
      p = e + 1;
    }
  }
}

function indexOr(s: string, c: string, from: number, otherwise: number): number {
  const i = s.indexOf(c, from);
  return i < 0 ? otherwise : i;
}
