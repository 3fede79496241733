import { describe, expect, it } from 'vitest';
import { LinesSink, readBlockText } from '../../lib/cluster/block-text.ts';

const PART = 64 * 1024;

/** Everything readBlockText gives, and whether the probe was seen by the end. */
function read(bytes: Uint8Array, first = false, probe = '],['): { text: string; parts: number; seen: boolean[] } {
  let text = '';
  const seen: boolean[] = [];
  readBlockText(bytes, first, probe, (t, s) => { text += t; seen.push(s); });
  return { text, parts: seen.length, seen };
}

describe('readBlockText', () => {
  it('gives a piece\'s text in parts, joining characters cut between them, as one decode gives it', () => {
    // A 4-byte character, then 3-byte ones, placed across every part boundary.
    const text = `${'a'.repeat(PART - 2)}🦀${'北'.repeat(PART)}é\uFFFD end`;
    const bytes = Buffer.from(text);
    const r = read(bytes);
    expect(r.text).toBe(bytes.toString('utf8'));
    expect(r.parts).toBeGreaterThan(3);
    // Bytes that are not UTF-8, cut between parts, decode as one decode does.
    const bad = Buffer.concat([Buffer.alloc(PART - 1, 0x61), Buffer.from([0xe4, 0xb8]), Buffer.from('x')]);
    expect(read(bad).text).toBe(bad.toString('utf8'));
  });

  it('leaves out a byte order mark at the start of the file only', () => {
    const bytes = Buffer.from('\uFEFFk,v\n1,\uFEFF\n');
    expect(read(bytes, true).text).toBe('k,v\n1,\uFEFF\n');
    expect(read(bytes, false).text).toBe('\uFEFFk,v\n1,\uFEFF\n');
  });

  it.each([
    ['inside a part', PART + 100],
    ['across two parts (one character before the cut)', PART - 1],
    ['across two parts (two characters before the cut)', PART - 2],
    ['at the start of a part', PART],
  ])('says from which part on the probe was seen: %s', (_where, at) => {
    const chars = 'x'.repeat(3 * PART).split('');
    chars.splice(at, 3, ']', ',', '[');
    const r = read(Buffer.from(chars.join('')));
    const from = Math.floor((at + 2) / PART);
    expect(r.seen).toEqual(r.seen.map((_, i) => i >= from));
    expect(read(Buffer.from('x'.repeat(3 * PART))).seen.every((s) => !s)).toBe(true);
  });
});

describe('LinesSink', () => {
  it('gathers rows added a few at a time as the lines of one text, in an ArrayBuffer of its own', () => {
    const sink = new LinesSink();
    const rows = Array.from({ length: 5000 }, (_, i) => [String(i), `北京 ${'x'.repeat(i % 50)}`]);
    const line = (r: string[][]) => r.map((row) => JSON.stringify(row)).join('\n');
    sink.add(rows.slice(0, 10), line);
    sink.add([], line);
    sink.add(rows.slice(10), line);
    const bytes = sink.bytes();
    expect(sink.rows).toBe(5000);
    expect(Buffer.from(bytes).toString('utf8')).toBe(line(rows));
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    expect(new LinesSink().bytes()).toEqual(new Uint8Array(0));
  });
});
