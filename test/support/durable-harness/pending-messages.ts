import type { ControlMessage } from '../../../packages/func-local/durable/messages';

/** A control message waiting for its virtual delivery time. */
export interface PendingMessage {
  messageId: string;
  due: number;
  body: ControlMessage;
}

/** The control queue of one instance on the virtual clock: delivery by due time, then by arrival. */
export class PendingMessages {
  private readonly pending: PendingMessage[] = [];
  private sent = 0;

  add(due: number, body: ControlMessage): void {
    this.sent += 1;
    this.pending.push({ messageId: `m${this.sent}`, due, body });
  }

  /** Puts messages an episode left for later back, in their order. */
  putBack(messages: PendingMessage[]): void {
    this.pending.unshift(...messages);
  }

  nextDue(): number | undefined {
    return this.pending.reduce<number | undefined>(
      (min, m) => (min === undefined || m.due < min ? m.due : min),
      undefined,
    );
  }

  /** Takes every message due by `now`, earliest first (stable for equal times). */
  takeDue(now: number): PendingMessage[] {
    const due = this.pending.filter((m) => m.due <= now).sort((a, b) => a.due - b.due);
    for (const message of due) this.pending.splice(this.pending.indexOf(message), 1);
    return due;
  }

  get size(): number {
    return this.pending.length;
  }
}
