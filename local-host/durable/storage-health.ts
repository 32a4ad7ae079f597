import { isUnreachable } from './storage-status';

const REMIND_EVERY_MS = 30_000;

function describe(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { code, statusCode, message } = error as { code?: unknown; statusCode?: unknown; message?: unknown };
  const detail = [code, statusCode].filter((part) => part !== undefined).join(' ');
  const text = typeof message === 'string' ? message.split('\n')[0] : String(error);
  return detail ? `${detail}: ${text}` : (text ?? '');
}

/**
 * Tells the log once when storage stops answering, reminds every 30 s while it stays away, and tells again when
 * it is back — instead of one error per failed call. The engine keeps retrying meanwhile; it never exits.
 */
export class StorageHealth {
  private downSince: number | undefined;
  private remindedAt = 0;

  constructor(private readonly log: (level: 'information' | 'warning', message: string) => void) {}

  get unreachable(): boolean {
    return this.downSince !== undefined;
  }

  /** Takes note of a failed storage call: true when storage was unreachable (reported here), else false. */
  failed(what: string, error: unknown): boolean {
    if (!isUnreachable(error)) return false;
    const now = Date.now();
    if (this.downSince === undefined) {
      this.downSince = now;
      this.remindedAt = now;
      this.log(
        'warning',
        `Storage is unreachable (${what}: ${describe(error)}). Durable work pauses and is retried with back-off.`,
      );
    } else if (now - this.remindedAt >= REMIND_EVERY_MS) {
      this.remindedAt = now;
      this.log('warning', `Storage still unreachable after ${this.seconds(now)} s; still retrying.`);
    }
    return true;
  }

  succeeded(): void {
    if (this.downSince === undefined) return;
    this.log(
      'information',
      `Storage reachable again after ${this.seconds(Date.now())} s; durable work resumes.`,
    );
    this.downSince = undefined;
  }

  private seconds(now: number): number {
    return Math.round((now - (this.downSince ?? now)) / 1000);
  }
}
