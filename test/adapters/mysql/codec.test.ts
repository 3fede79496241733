import { describe, expect, it } from 'vitest';
import { Capability, ColumnType } from '../../../lib/adapters/mysql/capabilities.ts';
import { handshakeV10, parseHandshakeResponse } from '../../../lib/adapters/mysql/handshake.ts';
import { nativePasswordAnswer, newScramble, verifyNativePassword } from '../../../lib/adapters/mysql/native-password.ts';
import { MAX_PACKET_PAYLOAD, PacketReader, framePayload, type BudgetReservation, type ByteBudget } from '../../../lib/adapters/mysql/packet-framing.ts';
import { literal, placeholderOffsets, substitute } from '../../../lib/adapters/mysql/placeholders.ts';
import { binaryRow, errPacket, okPacket, textRow } from '../../../lib/adapters/mysql/responses.ts';
import { parseExecute } from '../../../lib/adapters/mysql/statement-params.ts';
import { ProtocolError, WireReader, WireWriter } from '../../../lib/adapters/mysql/wire-buffer.ts';
import { Lexer, Source } from '../../../lib/sql/lexer.ts';
import { createHash } from 'node:crypto';

/** The codec on bytes, per the MySQL client/server protocol documentation (dev.mysql.com/doc/dev/mysql-server/latest/PAGE_PROTOCOL.html). */
const unlimited: ByteBudget = { reserve: () => ({ grow: () => true, release: () => undefined }) };

describe('length-encoded integers and strings', () => {
  it('encode each width and read back, and refuse lengths past the end', () => {
    for (const n of [0, 250, 251, 65535, 65536, 0xffffff, 0x1000000]) {
      expect(new WireReader(new WireWriter().lenencInt(n).build()).lenencInt()).toBe(n);
    }
    expect([...new WireWriter().lenencInt(251).build()]).toEqual([0xfc, 251, 0]);
    expect(() => new WireReader(Buffer.from([5, 1, 2])).lenencBytes('user')).toThrow(new ProtocolError('Malformed packet: user needs 5 bytes, 2 left'));
    expect(() => new WireReader(Buffer.from('abc')).nulBytes('user name')).toThrow('Malformed packet: user name has no terminating NUL');
  });
});

describe('packet framing', () => {
  it('splits a 16 MiB payload into full packets and an empty last one, and joins them back', () => {
    const payload = Buffer.alloc(MAX_PACKET_PAYLOAD, 7);
    const { bytes, next } = framePayload(payload, 3);
    expect(bytes.length).toBe(MAX_PACKET_PAYLOAD + 8);
    expect([bytes[3], bytes[MAX_PACKET_PAYLOAD + 7], next]).toEqual([3, 4, 5]);
    const reader = new PacketReader(2 * MAX_PACKET_PAYLOAD, unlimited);
    // Fed in odd pieces, as TCP delivers them.
    const got = [bytes.subarray(0, 2), bytes.subarray(2, 1000), bytes.subarray(1000)].flatMap((c) => reader.feed(c));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ kind: 'message', seq: 4 });
    expect((got[0] as { payload: Buffer }).payload.equals(payload)).toBe(true);
  });

  it('drops a message over the limit unread and reads the next one', () => {
    const reader = new PacketReader(10, unlimited);
    const big = framePayload(Buffer.alloc(100, 1), 0).bytes;
    const small = framePayload(Buffer.from('\x0ehi'), 0).bytes;
    expect(reader.feed(Buffer.concat([big.subarray(0, 50)]))).toEqual([]);
    const out = reader.feed(Buffer.concat([big.subarray(50), small]));
    expect(out.map((m) => m.kind)).toEqual(['refused', 'message']);
    expect(out[0]).toMatchObject({ reason: 'too-large', bytes: 100 });
  });

  it('refuses a message the byte budget has no room for, and releases what it held', () => {
    const released: number[] = [];
    let room = 1;
    const budget: ByteBudget = {
      reserve: (bytes): BudgetReservation | undefined => (room-- > 0 ? { grow: () => true, release: () => released.push(bytes) } : undefined),
    };
    const reader = new PacketReader(100, budget);
    const [first, second] = reader.feed(Buffer.concat([framePayload(Buffer.from('a'), 0).bytes, framePayload(Buffer.from('b'), 0).bytes]));
    expect(first).toMatchObject({ kind: 'message' });
    expect(second).toMatchObject({ kind: 'refused', reason: 'busy' });
  });
});

describe('the connection phase', () => {
  it('announces protocol 10, version 8.0.33, the scramble and mysql_native_password', () => {
    const scramble = Buffer.from('abcdefghijklmnopqrst');
    const r = new WireReader(handshakeV10(7, scramble, Capability.PROTOCOL_41 | Capability.PLUGIN_AUTH));
    expect(r.u8()).toBe(10);
    expect(r.nulBytes().toString()).toBe('8.0.33');
    expect(r.u32()).toBe(7);
    expect(r.bytes(8).toString()).toBe('abcdefgh');
    r.skip(1 + 2 + 1 + 2 + 2 + 1 + 10);
    expect(r.nulBytes().toString()).toBe('ijklmnopqrst');
    expect(r.nulBytes().toString()).toBe('mysql_native_password');
  });

  it('parses a HandshakeResponse41 and refuses a truncated one', () => {
    const caps = Capability.PROTOCOL_41 | Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA | Capability.CONNECT_WITH_DB | Capability.PLUGIN_AUTH;
    const payload = new WireWriter().u32(caps).u32(0).u8(33).zeros(23).nulString('root').lenencString(Buffer.alloc(20, 9)).nulString('d').nulString('caching_sha2_password').build();
    expect(parseHandshakeResponse(payload)).toEqual({ capabilities: caps, user: 'root', authResponse: Buffer.alloc(20, 9), database: 'd', plugin: 'caching_sha2_password' });
    expect(() => parseHandshakeResponse(payload.subarray(0, 40))).toThrow('Malformed packet: auth response needs 20 bytes, 2 left');
    expect(() => parseHandshakeResponse(payload.subarray(0, 34))).toThrow('Malformed packet: user name has no terminating NUL');
    expect(() => parseHandshakeResponse(payload.subarray(0, 3))).toThrow(ProtocolError);
  });

  it('verifies mysql_native_password from SHA1(SHA1(password)) alone', () => {
    const scramble = newScramble();
    expect(scramble.includes(0)).toBe(false);
    const doubleSha1 = createHash('sha1').update(createHash('sha1').update('pw').digest()).digest();
    const check = { kind: 'native', doubleSha1 } as const;
    expect(verifyNativePassword(check, scramble, nativePasswordAnswer('pw', scramble))).toBe(true);
    expect(verifyNativePassword(check, scramble, nativePasswordAnswer('px', scramble))).toBe(false);
    expect(verifyNativePassword({ kind: 'empty' }, scramble, Buffer.alloc(0))).toBe(true);
    expect(verifyNativePassword({ kind: 'empty' }, scramble, nativePasswordAnswer('pw', scramble))).toBe(false);
  });
});

describe('responses', () => {
  it('writes OK, the OK that ends a result set, and ERR with its SQLSTATE', () => {
    expect([...okPacket({ status: 2, affectedRows: 3 })]).toEqual([0, 3, 0, 2, 0, 0, 0]);
    expect(okPacket({ status: 2 }, true)[0]).toBe(0xfe);
    expect(okPacket({ status: 2, info: 'JobId: 1' }).subarray(7).toString()).toBe('JobId: 1');
    expect(okPacket({ status: 2, info: 'JobId: 1', sessionTrack: true }).subarray(7).toString()).toBe('\x08JobId: 1');
    expect(errPacket(1045, '28000', 'no').toString('latin1')).toBe('\xff\x15\x04#28000no');
  });

  it('writes NULL as 0xfb in text rows and as a bit (offset 2) in binary rows', () => {
    expect([...textRow(['a', null])]).toEqual([1, 97, 0xfb]);
    expect([...binaryRow([null, 'b'])]).toEqual([0, 0b100, 1, 98]);
  });
});

describe('prepared statement parameters', () => {
  it('decodes COM_STMT_EXECUTE values of each binary type', () => {
    const types = [ColumnType.LONGLONG, ColumnType.VAR_STRING, ColumnType.DOUBLE, ColumnType.DATETIME, ColumnType.NULL, ColumnType.TINY | 0x8000];
    const w = new WireWriter().u32(9).u8(0).u32(1).u8(0b010000).u8(1);
    for (const t of types) w.u16(t);
    const big = Buffer.alloc(8);
    big.writeBigInt64LE(-5n);
    const dbl = Buffer.alloc(8);
    dbl.writeDoubleLE(1.5);
    w.bytes(big).lenencString("o'k").bytes(dbl).u8(7).u16(2024).u8(2).u8(29).u8(13).u8(5).u8(9).u8(200);
    const parsed = parseExecute(w.build(), types.length, []);
    expect(parsed.values).toEqual([-5n, "o'k", 1.5, { date: '2024-02-29 13:05:09' }, null, 200]);
    expect(() => parseExecute(new WireWriter().u32(9).u8(0).u32(1).u8(0).u8(0).build(), 1, [])).toThrow('COM_STMT_EXECUTE sent no parameter types');
  });

  it('substitutes ? outside strings, comments and quoted names with literals the lexer reads back', () => {
    const sql = "SELECT '?', `a?` FROM t /* ? */ WHERE a = ? AND b = ? -- ?\n AND c = ?";
    const offsets = placeholderOffsets(sql);
    expect(offsets).toHaveLength(3);
    const hostile = "x' OR 1=1; -- \\ \n\0";
    const out = substitute(sql, offsets, [hostile, -3, null]);
    expect(out).toContain('WHERE a = ');
    const lexer = new Lexer(new Source(out));
    const tokens = [];
    for (let t = lexer.next(); t; t = lexer.next()) tokens.push(t);
    expect(tokens.filter((t) => t.type === 'string').map((t) => t.value)).toEqual(['?', hostile]);
    expect(out).toContain('b =  -3 -- ?\n AND c = NULL');
    expect(substitute('SELECT 1-?', [9], [-1])).toBe('SELECT 1- -1');
    expect(literal(null)).toBe('NULL');
    expect(literal(12345678901234567890n)).toBe('12345678901234567890');
  });
});
