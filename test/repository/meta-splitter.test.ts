import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seal } from '../../lib/domain/envelope.ts';
import { IntegrityError } from '../../lib/domain/errors.ts';
import { type MetaPiece, MetaSplitter } from '../../lib/repository/meta-splitter.ts';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

/** Splits `text` fed in chunks of `size` bytes; returns the pieces and the body's sha256. */
function split(text: string, size: number, maxPiece?: number): { pieces: MetaPiece[]; bodySha256: string } {
  const bytes = Buffer.from(text);
  const s = new MetaSplitter('file m', maxPiece);
  const pieces: MetaPiece[] = [];
  for (let i = 0; i < bytes.length; i += size) pieces.push(...s.feed(bytes.subarray(i, i + size)));
  return { pieces, bodySha256: s.end() };
}

const body = {
  database: 'd',
  tables: [
    { def: { name: 't "1" {[', note: 'a \\" } ] , : \\\\' }, partitions: [{ n: 1, x: [1.5e3, -2, true, false, null] }] },
    { def: { name: 'ü ✓ 𝄞' }, partitions: [] },
  ],
  views: [],
  functions: [{ name: 'f', n: 0 }],
  accounts: { users: [{ user: 'a\\b' }] },
};

describe('MetaSplitter', () => {
  it('gives each table and each other field as the JSON text a whole read would parse, whatever the chunk size', () => {
    const text = seal(body, sha);
    for (const size of [1, 2, 3, 7, 64, text.length]) {
      const { pieces, bodySha256 } = split(text, size);
      expect(pieces.filter((p) => p.kind === 'table').map((p) => JSON.parse(p.text))).toEqual(body.tables);
      const fields = Object.fromEntries(pieces.filter((p) => p.kind === 'field').map((p) => [`${p.in}.${p.key}`, JSON.parse(p.text)]));
      expect(fields).toEqual({ 'body.database': 'd', 'body.views': [], 'body.functions': body.functions, 'body.accounts': body.accounts, 'envelope.sha256': sha(JSON.stringify(body)) });
      expect(bodySha256).toBe(sha(JSON.stringify(body)));
    }
  });

  it('reads the older layout (checksum first), whitespace between tokens, and an empty table list', () => {
    const text = ` { "sha256" : "x" ,\n "body" : { "tables" : [ ] , "database" : "d" } }\n`;
    const { pieces, bodySha256 } = split(text, 5);
    expect(pieces.map((p) => p.kind === 'field' && [p.in, p.key, p.text])).toEqual([['envelope', 'sha256', '"x"'], ['body', 'database', '"d"']]);
    expect(bodySha256).toBe(sha('{ "tables" : [ ] , "database" : "d" }'));
  });

  it('refuses what is not one well-formed document, naming the file', () => {
    const corrupt = (text: string) => () => split(text, 3);
    for (const text of [
      '', '[]', '{"body":[]}', '{"body":{"tables":{}}}', '{"body":{"tables":[{}]', '{"body":{},"sha256":"x"} junk',
      '{"body":{}, "body":{}}', '{"body":{"tables":[],"tables":[]}}', '{"body":{"tables":[{} {}]}}', '{"body" {}}', '{"body":{},}',
      '{"body":{"a":"unterminated}}', '{"body":{"a":tru e}}',
    ]) {
      expect(corrupt(text), text).toThrow(IntegrityError);
      expect(corrupt(text), text).toThrow('file m is corrupt: not valid JSON');
    }
  });

  it('refuses one value larger than its bound rather than buffering it', () => {
    const text = seal({ database: 'd', tables: [{ big: 'x'.repeat(100) }] }, sha);
    expect(() => split(text, 16, 64)).toThrow('file m is corrupt: one of its values is over 64 bytes');
    expect(split(text, 16, 200).pieces.some((p) => p.kind === 'table')).toBe(true);
  });
});
