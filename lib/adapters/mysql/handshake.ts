/**
 * The connection phase: the server's Initial Handshake (protocol v10), the client's SSLRequest or
 * HandshakeResponse41, and the AuthSwitchRequest that moves a client to mysql_native_password.
 */
import { Capability, NATIVE_PASSWORD, ServerStatus, UTF8_CHARSET } from './capabilities.ts';
import { ProtocolError, WireReader, WireWriter } from './wire-buffer.ts';

/** StarRocks announces itself as MySQL 8.0.33 (Config.mysql_server_version) so clients speak MySQL 8 to it. */
export const SERVER_VERSION = '8.0.33';

export function handshakeV10(connectionId: number, scramble: Buffer, capabilities: number): Buffer {
  return new WireWriter()
    .u8(10)
    .nulString(SERVER_VERSION)
    .u32(connectionId)
    .bytes(scramble.subarray(0, 8))
    .u8(0)
    .u16(capabilities & 0xffff)
    .u8(UTF8_CHARSET)
    .u16(ServerStatus.AUTOCOMMIT)
    .u16(capabilities >>> 16)
    .u8(scramble.length + 1)
    .zeros(10)
    .nulString(scramble.subarray(8))
    .nulString(NATIVE_PASSWORD)
    .build();
}

export interface HandshakeResponse {
  capabilities: number;
  user: string;
  authResponse: Buffer;
  database?: string;
  /** The client's auth plugin; undefined when it has no CLIENT_PLUGIN_AUTH (then it answered for native). */
  plugin?: string;
}

/** The 32 bytes a client sends to ask for TLS before its real response (or the start of that response). */
export function isSslRequest(payload: Buffer): boolean {
  return payload.length === 32 && (payload.readUInt32LE(0) & Capability.SSL) !== 0;
}

export function parseHandshakeResponse(payload: Buffer): HandshakeResponse {
  const r = new WireReader(payload);
  const capabilities = r.u32('capability flags');
  if (!(capabilities & Capability.PROTOCOL_41)) throw new ProtocolError('Bad handshake: the client does not speak protocol 4.1');
  r.skip(4 + 1 + 23, 'max packet size, character set and filler');
  const user = r.nulBytes('user name').toString('utf8');
  let authResponse: Buffer;
  if (capabilities & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA) authResponse = r.lenencBytes('auth response');
  else if (capabilities & Capability.SECURE_CONNECTION) authResponse = r.bytes(r.u8('auth response length'), 'auth response');
  else authResponse = r.nulBytes('auth response');
  const response: HandshakeResponse = { capabilities, user, authResponse: Buffer.from(authResponse) };
  if (capabilities & Capability.CONNECT_WITH_DB && r.remaining > 0) {
    const db = r.nulBytes('database').toString('utf8');
    if (db !== '') response.database = db;
  }
  if (capabilities & Capability.PLUGIN_AUTH && r.remaining > 0) response.plugin = r.nulBytes('auth plugin name').toString('utf8');
  // Connection attributes (CLIENT_CONNECT_ATTRS) follow; nothing here reads them.
  return response;
}

export function authSwitchRequest(scramble: Buffer): Buffer {
  return new WireWriter().u8(0xfe).nulString(NATIVE_PASSWORD).nulString(scramble).build();
}
