import type { JobJoinSignals } from '../core/ports';

interface JobSends {
  /** The send on its way. */
  current: Promise<void>;
  /** The send that follows it, shared by every caller that asked meanwhile. */
  next?: Promise<void>;
}

/**
 * Wake-ups of continuous jobs, coalesced per job on this host: a caller is answered once a send that began after
 * its call has been made, so the wake it awaits comes after the devices it joined were stored (none is lost), while
 * a burst of joining writes sends about two messages per send's duration, not one per write (each message is an
 * event in the job's orchestration history and a step that reads the join queue).
 */
export class CoalescedJoinSignals implements JobJoinSignals {
  private readonly sends = new Map<string, JobSends>();

  constructor(private readonly signals: JobJoinSignals) {}

  send(jobId: string): Promise<void> {
    const sends = this.sends.get(jobId);
    if (!sends) return this.start(jobId);
    // The send on its way may have begun before the caller's devices were stored: the caller waits for the next.
    sends.next ??= sends.current.then(
      () => this.start(jobId),
      () => this.start(jobId),
    );
    return sends.next;
  }

  private start(jobId: string): Promise<void> {
    const current = this.signals.send(jobId).finally(() => {
      const sends = this.sends.get(jobId);
      if (sends?.current !== current) return;
      if (sends.next) return;
      this.sends.delete(jobId);
    });
    const sends = this.sends.get(jobId);
    if (sends) {
      sends.current = current;
      delete sends.next;
    } else {
      this.sends.set(jobId, { current });
    }
    return current;
  }
}
