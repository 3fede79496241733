import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { type CsvOptions, csvRows, MAX_RECORD_CHARS, parserOptions, splitterOptions } from '../../lib/cluster/csv.ts';
import { CsvSplitter } from '../../lib/cluster/csv-splitter.ts';

/**
 * CsvSplitter must read every text as csv-parse reads it with csv.ts's options: the same records, the same
 * fields, and a failure where csv-parse fails. Generated texts from an alphabet full of separators, quotes,
 * row ends and multi-byte characters, cut into chunks at random bytes, are read by both and compared.
 */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function viaSplitter(bytes: Buffer, o: CsvOptions, cuts: number[]): Promise<{ rows?: (string | null)[][]; error?: string }> {
  const chunks: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    chunks.push(bytes.subarray(at, cut));
    at = cut;
  }
  try {
    const rows: (string | null)[][] = [];
    for await (const batch of csvRows(Readable.from(chunks), o)) rows.push(...batch);
    return { rows };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** What csvRows made of csv-parse's records before CsvSplitter: the same post-processing, on csv-parse's output. */
function viaCsvParse(bytes: Buffer, o: CsvOptions): { rows?: (string | null)[][]; error?: string } {
  try {
    const records = parse(bytes, parserOptions(o)) as (string | null)[][];
    for (const r of records) {
      const last = r.length - 1;
      if (o.rowDelimiter === '\n' && (r[last] as string).endsWith('\r')) r[last] = (r[last] as string).slice(0, -1);
      for (let i = 0; i <= last; i++) if (r[i] === '\\N') r[i] = null;
    }
    return { rows: records.slice(o.skipHeader) };
  } catch (e) {
    const code = (e as { code?: string }).code;
    return { error: code === 'CSV_QUOTE_NOT_CLOSED' ? 'CSV ends inside a quoted field' : `unexpected ${code}: ${(e as Error).message}` };
  }
}

const optionSets: CsvOptions[] = [
  { columnSeparator: ',', rowDelimiter: '\n', skipHeader: 0, enclose: '"' },
  { columnSeparator: ',', rowDelimiter: '\n', skipHeader: 1 },
  { columnSeparator: '\t', rowDelimiter: '\n', skipHeader: 0, enclose: '"', escape: '"' },
  { columnSeparator: '|', rowDelimiter: ';', skipHeader: 2, enclose: "'" },
  { columnSeparator: ',', rowDelimiter: '\r', skipHeader: 0, enclose: '"' },
];
const alphabet = ['a', 'b', ' ', 'é', '€', '\\N', '\\', ',', '\t', '|', ';', '"', '"', '""', "'", '\n', '\n', '\r', '\r\n', '\uFEFF'];

describe('CsvSplitter', () => {
  it('takes the common options only; others go to csv-parse', () => {
    expect(optionSets.every((o) => splitterOptions(o))).toBe(true);
    for (const o of [
      { columnSeparator: '||', rowDelimiter: '\n', skipHeader: 0 },
      { columnSeparator: ',', rowDelimiter: '##', skipHeader: 0 },
      { columnSeparator: ',', rowDelimiter: '\n', skipHeader: 0, trimSpace: true },
      { columnSeparator: ',', rowDelimiter: '\n', skipHeader: 0, enclose: '"', escape: '\\' },
      { columnSeparator: '"', rowDelimiter: '\n', skipHeader: 0, enclose: '"' },
      { columnSeparator: '\r', rowDelimiter: '\n', skipHeader: 0, enclose: '"' },
    ]) expect(splitterOptions(o)).toBeUndefined();
  });

  it('reads 4,000 generated texts, cut anywhere, as csv-parse does', async () => {
    const next = random(16);
    for (let n = 0; n < 4000; n++) {
      const o = optionSets[n % optionSets.length]!;
      const length = Math.floor(next() * 40);
      let text = Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      if (next() < 0.1) text = `\uFEFF${text}`;
      // A UTF-16LE file reads as the same text in UTF-8 would (csv-parse itself garbles a quote it
      // turns back into data in UTF-16LE, so that text is its reference).
      const utf16 = next() < 0.05;
      const bytes = utf16 ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]) : Buffer.from(text);
      const cuts = Array.from({ length: Math.floor(next() * 4) }, () => Math.floor(next() * bytes.length)).sort((a, b) => a - b);
      const expected = viaCsvParse(utf16 ? Buffer.from(`\uFEFF${text}`) : bytes, o);
      const actual = await viaSplitter(bytes, o, cuts);
      expect({ text, o, cuts, ...actual }).toEqual({ text, o, cuts, ...expected });
    }
  });

  it('reads a long file in pieces of any size', async () => {
    const o = optionSets[0]!;
    const text = Array.from({ length: 5000 }, (_, i) => `${i},"note, ""${i}""\nline two",plain ${i}\r\n`).join('');
    const bytes = Buffer.from(text);
    const cuts = Array.from({ length: 300 }, (_, i) => i * 997).filter((c) => c < bytes.length);
    expect(await viaSplitter(bytes, o, cuts)).toEqual(viaCsvParse(bytes, o));
  });

  it('refuses a record longer than the limit, naming its line, whether or not its row has ended', () => {
    const o = splitterOptions(optionSets[0]!)!;
    const open = new CsvSplitter(o, 100);
    const rows: string[][] = [];
    open.push('1,2\n3,4\n"', rows);
    expect(() => open.push('x'.repeat(101), rows)).toThrow('CSV row at line 3 is longer than 100 characters; is a quote left open?');
    expect(rows).toEqual([['1', '2'], ['3', '4']]);
    expect(() => new CsvSplitter(o, 100).push(`a,"b\nc"\n${'y'.repeat(101)}\n`, [])).toThrow('CSV row at line 3 is longer than 100 characters');
    expect(() => new CsvSplitter(o, 100).push(`"${'z'.repeat(120)}"\n`, [])).toThrow('CSV row at line 1 is longer than 100 characters');
    expect(MAX_RECORD_CHARS).toBe(64 * 1024 * 1024);
  });
});
