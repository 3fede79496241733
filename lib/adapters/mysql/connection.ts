/**
 * One connection of the MySQL door: the handshake (with the TLS upgrade and the switch to
 * mysql_native_password), the account check, then commands until COM_QUIT or the connection ends.
 */
import type { Socket } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { type SecureContext, TLSSocket } from 'node:tls';
import type { MysqlError } from '../../domain/mysql-errors.ts';
import { Capability, NATIVE_PASSWORD, SERVER_CAPABILITIES, ServerStatus } from './capabilities.ts';
import { CommandHandler } from './commands.ts';
import type { MysqlDoorOptions } from './door-options.ts';
import { authSwitchRequest, handshakeV10, isSslRequest, parseHandshakeResponse } from './handshake.ts';
import { MessageStream } from './message-stream.ts';
import { newScramble, verifyNativePassword } from './native-password.ts';
import type { Framed } from './packet-framing.ts';
import { errPacket, okPacket } from './responses.ts';
import { ProtocolError } from './wire-buffer.ts';
import { INSECURE_TRANSPORT, accessDenied, badHandshake } from './door-errors.ts';

/** Serves one accepted connection; the returned promise settles when it ends. */
export async function serveMysqlConnection(socket: Socket, options: MysqlDoorOptions): Promise<void> {
  const messages = new MessageStream(socket, options.maxMessageBytes, options.budget);
  try {
    const login = await handshake(socket, messages, options);
    if (!login) return;
    const session = options.sessions.open({ user: login.user, connectionId: login.connectionId });
    if (login.database !== undefined) {
      // `mysql -D db`: checked once the account is; an unknown database is the handshake's answer, as in MySQL.
      const used = await session.useDatabase(login.database);
      if (used.kind === 'error') {
        messages.send(errPacket(used.error.errno, used.error.sqlstate, used.error.message));
        return messages.close();
      }
    }
    messages.send(okPacket({ status: ServerStatus.AUTOCOMMIT }));
    options.limits.established(socket);
    await new CommandHandler(socket, messages, options, login, session).serve();
  } catch (e) {
    // A malformed packet: answered as MySQL answers a bad handshake or packet, then the connection ends.
    if (!(e instanceof ProtocolError)) throw e;
    messages.send(errPacket(1043, '08S01', e.message));
    messages.close();
  } finally {
    messages.destroy();
  }
}

export interface Login {
  capabilities: number;
  connectionId: number;
  user: { name: string; host: string };
  database?: string;
}

async function handshake(socket: Socket, messages: MessageStream, options: MysqlDoorOptions): Promise<Login | undefined> {
  const connectionId = options.nextConnectionId();
  const scramble = newScramble();
  const offered = SERVER_CAPABILITIES | (options.tls ? Capability.SSL : 0);
  messages.send(handshakeV10(connectionId, scramble, offered));
  const refuse = (e: MysqlError) => {
    messages.send(errPacket(e.errno, e.sqlstate, e.message));
    messages.close();
    return undefined;
  };
  let m = await message(messages, refuse);
  if (!m) return undefined;
  if (isSslRequest(m)) {
    if (!options.tls) throw new ProtocolError('Bad handshake: the client asked for TLS, which this server has no certificate for');
    upgrade(socket, messages, options.tls.context);
    m = await message(messages, refuse);
    if (!m) return undefined;
  } else if (options.tls?.required) {
    return refuse(INSECURE_TRANSPORT);
  }
  const response = parseHandshakeResponse(m);
  const capabilities = response.capabilities & offered;
  let answer = response.authResponse;
  if (response.plugin !== undefined && response.plugin !== NATIVE_PASSWORD) {
    // A MySQL 8 client starts with caching_sha2_password; the accounts here verify mysql_native_password.
    messages.send(authSwitchRequest(scramble));
    const switched = await message(messages, refuse);
    if (!switched) return undefined;
    answer = switched;
  }
  const host = clientHost(socket);
  const account = await options.authenticator.findAccount(response.user, host);
  if (!account || !verifyNativePassword(account.password, scramble, answer)) return refuse(accessDenied(response.user, host, answer.length > 0));
  const login: Login = { capabilities, connectionId, user: { name: account.user, host: account.host } };
  if (response.database !== undefined) login.database = response.database;
  return login;
}

/** The payload of the next message; a refused one (too large, busy) ends the handshake with its error. */
async function message(messages: MessageStream, refuse: (e: MysqlError) => undefined): Promise<Buffer | undefined> {
  const m: Framed | undefined = await messages.next();
  if (!m) return undefined;
  if (m.kind === 'refused') return refuse(badHandshake('Bad handshake: the packet is too large'));
  // Connection-phase packets are small and done with at once: their budget is returned here.
  m.reservation.release();
  return m.payload;
}

/**
 * Continues the connection over TLS. A client may send its TLS ClientHello right behind the SSLRequest
 * (mysql2 does, in one TCP segment): bytes read past the SSLRequest are handed to the TLS socket first.
 */
function upgrade(socket: Socket, messages: MessageStream, context: SecureContext): TLSSocket {
  socket.pause();
  socket.removeAllListeners('data');
  const early = messages.takePending();
  let transport: Duplex = socket;
  if (early.length > 0) {
    const source = new PassThrough();
    source.write(early);
    socket.pipe(source);
    transport = Duplex.from({ readable: source, writable: socket });
  }
  const tls = new TLSSocket(transport, { isServer: true, secureContext: context });
  tls.on('error', () => tls.destroy());
  messages.switchTo(tls);
  return tls;
}

function clientHost(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
