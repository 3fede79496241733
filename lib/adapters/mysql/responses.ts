/** The server's response packets: OK, ERR, EOF, column definitions, text and binary rows, COM_STMT_PREPARE OK. */
import { ColumnType, UTF8_CHARSET } from './capabilities.ts';
import { NULL_CELL, WireWriter } from './wire-buffer.ts';

export interface OkInfo {
  affectedRows?: number;
  lastInsertId?: number;
  status: number;
  warnings?: number;
  info?: string;
  /**
   * Under CLIENT_SESSION_TRACK the info is a length-encoded string, else the rest of the packet. The
   * mariadb client reads a length either way, so the door offers session tracking (and never sends state changes).
   */
  sessionTrack?: boolean;
}

/** An OK packet; with `eofHeader` it is the OK that ends a result set under CLIENT_DEPRECATE_EOF. */
export function okPacket(ok: OkInfo, eofHeader = false): Buffer {
  const w = new WireWriter()
    .u8(eofHeader ? 0xfe : 0x00)
    .lenencInt(ok.affectedRows ?? 0)
    .lenencInt(ok.lastInsertId ?? 0)
    .u16(ok.status)
    .u16(ok.warnings ?? 0);
  if (ok.info) {
    if (ok.sessionTrack) w.lenencString(ok.info);
    else w.bytes(ok.info);
  }
  return w.build();
}

export function eofPacket(status: number, warnings = 0): Buffer {
  return new WireWriter().u8(0xfe).u16(warnings).u16(status).build();
}

/** ERR with the SQLSTATE marker (protocol 4.1): the client prints `ERROR <errno> (<sqlstate>): <message>`. */
export function errPacket(errno: number, sqlstate: string, message: string): Buffer {
  return new WireWriter().u8(0xff).u16(errno).bytes('#').bytes(sqlstate.padEnd(5, '0').slice(0, 5)).bytes(message).build();
}

export interface ColumnDef {
  name: string;
  schema?: string;
  table?: string;
  type?: number;
}

/** Column Definition 41. Cells are text, so every column is a VARCHAR in utf8 unless told otherwise. */
export function columnDefinition(col: ColumnDef): Buffer {
  return new WireWriter()
    .lenencString('def')
    .lenencString(col.schema ?? '')
    .lenencString(col.table ?? '')
    .lenencString(col.table ?? '')
    .lenencString(col.name)
    .lenencString(col.name)
    .u8(0x0c)
    .u16(UTF8_CHARSET)
    .u32(MAX_CELL_CHARS * 3)
    .u8(col.type ?? ColumnType.VAR_STRING)
    .u16(0)
    .u8(0)
    .u16(0)
    .build();
}

const MAX_CELL_CHARS = 1048576;

export function textRow(cells: readonly (string | null)[]): Buffer {
  const w = new WireWriter();
  for (const c of cells) {
    if (c === null) w.u8(NULL_CELL);
    else w.lenencString(c);
  }
  return w.build();
}

/** A binary protocol row of VARCHAR cells: a 0x00 header, the NULL bitmap (offset 2), the non-NULL cells. */
export function binaryRow(cells: readonly (string | null)[]): Buffer {
  const bitmap = Buffer.alloc((cells.length + 7 + 2) >> 3);
  const w = new WireWriter();
  cells.forEach((c, i) => {
    if (c === null) bitmap[(i + 2) >> 3]! |= 1 << ((i + 2) & 7);
    else w.lenencString(c);
  });
  return Buffer.concat([Buffer.of(0), bitmap, w.build()]);
}

export function prepareOk(statementId: number, columns: number, params: number): Buffer {
  return new WireWriter().u8(0).u32(statementId).u16(columns).u16(params).u8(0).u16(0).build();
}
