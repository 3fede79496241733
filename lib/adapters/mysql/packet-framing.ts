/**
 * Packet framing: a 3-byte length and a sequence id before each payload of at most 16 MiB - 1; a longer
 * message is split into full packets and ends with a shorter (possibly empty) one. The reader charges a
 * message to the byte budget before it buffers it, and skips (never buffers) one that is over the limit
 * or does not fit the budget.
 */

export const MAX_PACKET_PAYLOAD = 0xffffff;

/** Room in the server's shared byte budget (bin/body-budget.ts BodyBudget has this shape). */
export interface ByteBudget {
  reserve(bytes: number): BudgetReservation | undefined;
}

export interface BudgetReservation {
  grow(bytes: number): boolean;
  release(): void;
}

export type Framed =
  | { kind: 'message'; seq: number; payload: Buffer; reservation: BudgetReservation }
  /** A message refused whole: its bytes were read and dropped; `bytes` is how much of it arrived. */
  | { kind: 'refused'; seq: number; reason: 'too-large' | 'busy'; bytes: number };

export class PacketReader {
  private pending: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];
  private size = 0;
  private reservation: BudgetReservation | undefined;
  /** Set while the rest of a refused message is dropped. */
  private refusing: 'too-large' | 'busy' | undefined;
  /** Bytes of the current packet's payload still to drop. */
  private dropping = 0;
  private dropSeq = 0;
  private lastPart = false;
  /** The packet whose header is at the front of `pending` was already charged to the budget. */
  private admitted = false;

  constructor(private readonly maxMessageBytes: number, private readonly budget: ByteBudget) {}

  /** Feeds received bytes; returns every message they complete. */
  feed(chunk: Buffer): Framed[] {
    const out: Framed[] = [];
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.dropping > 0) {
        const n = Math.min(this.dropping, this.pending.length);
        this.pending = this.pending.subarray(n);
        this.dropping -= n;
        this.size += n;
        if (this.dropping > 0) break;
        if (this.lastPart) out.push(this.endRefusal());
        continue;
      }
      if (this.pending.length < 4) break;
      const length = this.pending.readUIntLE(0, 3);
      const seq = this.pending[3]!;
      const last = length < MAX_PACKET_PAYLOAD;
      if (!this.refusing && !this.admitted) {
        if (this.admit(length)) this.admitted = true;
        else this.releaseParts();
      }
      if (this.refusing) {
        this.pending = this.pending.subarray(4);
        this.dropping = length;
        this.dropSeq = seq;
        this.lastPart = last;
        if (length === 0 && last) out.push(this.endRefusal());
        continue;
      }
      if (this.pending.length < 4 + length) break;
      this.admitted = false;
      this.parts.push(this.pending.subarray(4, 4 + length));
      this.pending = this.pending.subarray(4 + length);
      this.size += length;
      if (!last) continue;
      const payload = this.parts.length === 1 ? Buffer.from(this.parts[0]!) : Buffer.concat(this.parts);
      out.push({ kind: 'message', seq, payload, reservation: this.reservation! });
      this.parts = [];
      this.size = 0;
      this.reservation = undefined;
    }
    // What stays pending is one header and at most one packet of an admitted message: copy it off the chunk.
    if (this.pending.length > 0 && this.pending.buffer === chunk.buffer) this.pending = Buffer.from(this.pending);
    return out;
  }

  /** Bytes received and not yet returned, to be handed to a TLS socket after an SSLRequest (always none from a real client). */
  takePending(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest;
  }

  /** Releases what a message in progress holds, when the connection ends. */
  close(): void {
    this.releaseParts();
    this.refusing = undefined;
  }

  private admit(length: number): boolean {
    const total = this.size + length;
    if (total > this.maxMessageBytes) return this.refuse('too-large');
    if (!this.reservation) {
      this.reservation = this.budget.reserve(total);
      if (!this.reservation) return this.refuse('busy');
    } else if (!this.reservation.grow(total)) {
      return this.refuse('busy');
    }
    return true;
  }

  private refuse(reason: 'too-large' | 'busy'): false {
    this.refusing = reason;
    return false;
  }

  private releaseParts(): void {
    this.reservation?.release();
    this.reservation = undefined;
    this.parts = [];
  }

  private endRefusal(): Framed {
    const refused: Framed = { kind: 'refused', seq: this.dropSeq, reason: this.refusing!, bytes: this.size };
    this.refusing = undefined;
    this.size = 0;
    this.lastPart = false;
    return refused;
  }
}

/** Frames one payload as packets from sequence id `seq`; returns the bytes and the next sequence id. */
export function framePayload(payload: Buffer, seq: number): { bytes: Buffer; next: number } {
  const packets: Buffer[] = [];
  let at = 0;
  for (;;) {
    const length = Math.min(MAX_PACKET_PAYLOAD, payload.length - at);
    const header = Buffer.alloc(4);
    header.writeUIntLE(length, 0, 3);
    header[3] = seq;
    seq = (seq + 1) & 0xff;
    packets.push(header, payload.subarray(at, at + length));
    at += length;
    if (length < MAX_PACKET_PAYLOAD) break;
  }
  return { bytes: Buffer.concat(packets), next: seq };
}
