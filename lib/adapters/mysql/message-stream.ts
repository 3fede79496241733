/**
 * The messages of one connection, one at a time: reading pauses while the server works on a message,
 * so a client that sends ahead never makes it buffer more than one message (and what is in flight).
 * After an SSLRequest the same stream continues over the TLS socket.
 */
import type { Duplex } from 'node:stream';
import { type ByteBudget, type Framed, PacketReader, framePayload } from './packet-framing.ts';

export class MessageStream {
  private readonly queue: Framed[] = [];
  private waiter: ((m: Framed | undefined) => void) | undefined;
  private closed = false;
  private seq = 0;
  private stream: Duplex;
  private readonly reader: PacketReader;
  private readonly onData = (chunk: Buffer) => this.received(chunk);
  private readonly onEnd = () => this.end();

  constructor(stream: Duplex, maxMessageBytes: number, budget: ByteBudget) {
    this.stream = stream;
    this.reader = new PacketReader(maxMessageBytes, budget);
    this.listen(stream);
  }

  /** The next message, or undefined once the connection is closed. */
  next(): Promise<Framed | undefined> {
    const m = this.queue.shift();
    if (m) {
      this.seq = (m.seq + 1) & 0xff;
      return Promise.resolve(m);
    }
    if (this.closed) return Promise.resolve(undefined);
    this.stream.resume();
    return new Promise((resolve) => {
      this.waiter = (got) => {
        if (got) this.seq = (got.seq + 1) & 0xff;
        resolve(got);
      };
    });
  }

  /** Sends one payload with the next sequence id. */
  send(payload: Buffer): void {
    const { bytes, next } = framePayload(payload, this.seq);
    this.seq = next;
    if (!this.stream.destroyed) this.stream.write(bytes);
  }

  /** Bytes received past the last message (the start of a TLS handshake after an SSLRequest). */
  takePending(): Buffer {
    return this.reader.takePending();
  }

  /** Continues over `upgraded`, a TLS socket wrapping the current stream. */
  switchTo(upgraded: Duplex): void {
    this.stream.off('data', this.onData).off('end', this.onEnd).off('close', this.onEnd);
    this.stream = upgraded;
    this.listen(upgraded);
  }

  /** Ends the connection after what was sent; releases what queued messages hold. */
  close(): void {
    this.stream.end();
    this.end();
  }

  destroy(): void {
    this.stream.destroy();
    this.end();
  }

  private listen(stream: Duplex): void {
    stream.on('data', this.onData).on('end', this.onEnd).on('close', this.onEnd).on('error', () => this.end());
  }

  private received(chunk: Buffer): void {
    if (this.closed) return;
    for (const m of this.reader.feed(chunk)) {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(m);
      } else {
        this.queue.push(m);
      }
    }
    if (this.queue.length > 0) this.stream.pause();
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.close();
    for (const m of this.queue.splice(0)) if (m.kind === 'message') m.reservation.release();
    const w = this.waiter;
    this.waiter = undefined;
    w?.(undefined);
  }
}
