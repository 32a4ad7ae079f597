import { isUnreachable } from './storage-status';

const REMIND_EVERY_MS = 30_000;

function describe(error: unknown): string {
  if (!(error instanceof Error)) return typeof error === 'string' ? error : JSON.stringify(error);
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  const parts = [code, statusCode].filter((part) => typeof part === 'string' || typeof part === 'number');
  const text = error.message.split('\n')[0] ?? '';
  return parts.length > 0 ? `${parts.join(' ')}: ${text}` : text;
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
