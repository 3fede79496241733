/**
 * COM_STMT_EXECUTE: the statement id and its parameter values, decoded from the binary protocol into
 * values the placeholder substitution quotes as SQL literals.
 */
import { ColumnType } from './capabilities.ts';
import { ProtocolError, WireReader } from './wire-buffer.ts';

export type ParamValue = null | string | number | bigint | { date: string };

export interface ExecuteRequest {
  statementId: number;
  values: ParamValue[];
  /** The types sent with new-params-bound, else the ones of the previous execution. */
  types: number[];
}

/** The statement id alone, to find how many parameters to decode. */
export function executeStatementId(payload: Buffer): number {
  return new WireReader(payload).u32('statement id');
}

export function parseExecute(payload: Buffer, paramCount: number, previousTypes: number[]): ExecuteRequest {
  const r = new WireReader(payload);
  const statementId = r.u32('statement id');
  r.skip(1 + 4, 'flags and iteration count');
  if (paramCount === 0) return { statementId, values: [], types: [] };
  const nulls = r.bytes((paramCount + 7) >> 3, 'NULL bitmap');
  let types = previousTypes;
  if (r.u8('new-params-bound flag') === 1) {
    types = [];
    for (let i = 0; i < paramCount; i++) types.push(r.u16('parameter type'));
  }
  if (types.length !== paramCount) throw new ProtocolError('Malformed packet: COM_STMT_EXECUTE sent no parameter types');
  const values: ParamValue[] = [];
  for (let i = 0; i < paramCount; i++) {
    const isNull = (nulls[i >> 3]! & (1 << (i & 7))) !== 0;
    values.push(isNull ? null : readValue(r, types[i]!));
  }
  return { statementId, values, types };
}

function readValue(r: WireReader, typeWord: number): ParamValue {
  const type = typeWord & 0xff;
  const unsigned = (typeWord & 0x8000) !== 0;
  switch (type) {
    case ColumnType.NULL: return null;
    case ColumnType.TINY: {
      const b = r.bytes(1, 'TINY parameter');
      return unsigned ? b.readUInt8(0) : b.readInt8(0);
    }
    case ColumnType.SHORT:
    case ColumnType.YEAR: {
      const b = r.bytes(2, 'SHORT parameter');
      return unsigned ? b.readUInt16LE(0) : b.readInt16LE(0);
    }
    case ColumnType.LONG:
    case ColumnType.INT24: {
      const b = r.bytes(4, 'LONG parameter');
      return unsigned ? b.readUInt32LE(0) : b.readInt32LE(0);
    }
    case ColumnType.LONGLONG: {
      const b = r.bytes(8, 'LONGLONG parameter');
      return unsigned ? b.readBigUInt64LE(0) : b.readBigInt64LE(0);
    }
    case ColumnType.FLOAT: return r.bytes(4, 'FLOAT parameter').readFloatLE(0);
    case ColumnType.DOUBLE: return r.bytes(8, 'DOUBLE parameter').readDoubleLE(0);
    case ColumnType.DATE:
    case ColumnType.DATETIME:
    case ColumnType.TIMESTAMP: return { date: readDateTime(r, type === ColumnType.DATE) };
    case ColumnType.TIME: return readTime(r);
    default:
      // Strings, decimals, blobs, JSON, enums: a length-encoded string.
      return r.lenencBytes('string parameter').toString('utf8');
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function readDateTime(r: WireReader, dateOnly: boolean): string {
  const length = r.u8('date length');
  if (![0, 4, 7, 11].includes(length)) throw new ProtocolError(`Malformed packet: a date parameter of ${length} bytes`);
  const b = r.bytes(length, 'date parameter');
  if (length === 0) return dateOnly ? '0000-00-00' : '0000-00-00 00:00:00';
  const date = `${pad(b.readUInt16LE(0), 4)}-${pad(b[2]!)}-${pad(b[3]!)}`;
  if (dateOnly) return date;
  const time = length >= 7 ? `${pad(b[4]!)}:${pad(b[5]!)}:${pad(b[6]!)}` : '00:00:00';
  const micros = length === 11 ? b.readUInt32LE(7) : 0;
  return `${date} ${time}${micros ? `.${pad(micros, 6)}` : ''}`;
}

function readTime(r: WireReader): string {
  const length = r.u8('time length');
  if (![0, 8, 12].includes(length)) throw new ProtocolError(`Malformed packet: a time parameter of ${length} bytes`);
  const b = r.bytes(length, 'time parameter');
  if (length === 0) return '00:00:00';
  const hours = b.readUInt32LE(1) * 24 + b[5]!;
  const micros = length === 12 ? b.readUInt32LE(8) : 0;
  return `${b[0] ? '-' : ''}${pad(hours)}:${pad(b[6]!)}:${pad(b[7]!)}${micros ? `.${pad(micros, 6)}` : ''}`;
}
