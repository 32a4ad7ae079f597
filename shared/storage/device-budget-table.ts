import type { TableClient, TransactionAction } from '@azure/data-tables';
import {
  BUDGET_HEARTBEAT_MS,
  BUDGET_ROW_PURGE_MS,
  type BudgetMember,
  type BudgetShare,
  type DeviceOperationBudget,
  budgetShares,
  liveMembers,
} from '../jobs/core/device-budget';

/** Budget rows live in the jobs table under their own partition, beside the duration observations. */
const PARTITION = '!budget';

/** Entity group transactions take at most 100 operations. */
const MAX_BATCH = 100;

interface LocalJob {
  priority: number;
  /** Run steps of the job on this host (a repeated delivery may overlap the step it repeats). */
  steps: number;
}

/**
 * {@link DeviceOperationBudget} over Table Storage: each host keeps one row per job it runs (priority, heartbeat)
 * and, while it runs any, once every {@link BUDGET_HEARTBEAT_MS} writes its rows in one batch and reads the
 * partition (one query page): about two storage calls a second per host whatever the number of jobs (one more
 * batch per further 100 local jobs, one delete when a job's step ends). Shares are recomputed from each read.
 */
export class TableDeviceOperationBudget implements DeviceOperationBudget {
  private readonly local = new Map<string, LocalJob>();
  private members: BudgetMember[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly client: TableClient,
    readonly operationsPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  async join(jobId: string, priority: number): Promise<BudgetShare> {
    const known = this.local.get(jobId);
    this.local.set(jobId, { priority, steps: (known?.steps ?? 0) + 1 });
    this.timer ??= setInterval(() => void this.refresh().catch(() => undefined), BUDGET_HEARTBEAT_MS);
    // A failed first read leaves the job its share among the jobs this host knows; the next tick corrects it.
    await this.refresh().catch(() => undefined);
    let left = false;
    return {
      operationsPerSecond: () => this.shareOf(jobId),
      leave: async () => {
        if (left) return;
        left = true;
        await this.leave(jobId);
      },
    };
  }

  async running(): Promise<Pick<BudgetMember, 'jobId' | 'priority'>[]> {
    return liveMembers(await this.readMembers(), this.now()).map(({ jobId, priority }) => ({
      jobId,
      priority,
    }));
  }

  /** Stops the heartbeat timer (tests and shutdown); rows expire on their own. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private shareOf(jobId: string): number {
    const localPriorities = new Map([...this.local].map(([id, job]) => [id, job.priority]));
    const shares = budgetShares(
      this.operationsPerSecond,
      liveMembers(this.members, this.now()),
      localPriorities,
    );
    return shares.get(jobId) ?? this.operationsPerSecond;
  }

  private async leave(jobId: string): Promise<void> {
    const job = this.local.get(jobId);
    if (!job) return;
    if (job.steps > 1) {
      job.steps -= 1;
      return;
    }
    this.local.delete(jobId);
    this.members = this.members.filter((member) => member.jobId !== jobId);
    if (this.local.size === 0) this.close();
    // A row left behind (storage unavailable) stops counting once its heartbeat is stale.
    await this.client.deleteEntity(PARTITION, jobId).catch(() => undefined);
  }

  /** One heartbeat round (shared by callers arriving while one is under way). */
  private refresh(): Promise<void> {
    this.refreshing ??= this.heartbeatAndRead().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async heartbeatAndRead(): Promise<void> {
    const heartbeatAt = this.now();
    const rows: TransactionAction[] = [...this.local].map(([jobId, job]) => [
      'upsert',
      // Epoch ms exceed Int32: an unannotated number would come back as an Int64 (a bigint); text does not.
      { partitionKey: PARTITION, rowKey: jobId, priority: job.priority, heartbeatAt: String(heartbeatAt) },
      'Replace',
    ]);
    for (let start = 0; start < rows.length; start += MAX_BATCH) {
      await this.client.submitTransaction(rows.slice(start, start + MAX_BATCH));
    }
    const members = await this.readMembers();
    this.members = members;
    await this.purge(members);
  }

  private async readMembers(): Promise<BudgetMember[]> {
    const members: BudgetMember[] = [];
    const rows = this.client.listEntities<{ priority?: unknown; heartbeatAt?: unknown }>({
      queryOptions: { filter: `PartitionKey eq '${PARTITION}'` },
    });
    for await (const row of rows) {
      const { priority, rowKey } = row;
      const heartbeatAt = Number(row.heartbeatAt);
      if (typeof priority === 'number' && Number.isFinite(heartbeatAt) && rowKey) {
        members.push({ jobId: rowKey, priority, heartbeatAt });
      }
    }
    return members;
  }

  /** Removes a few rows whose host never came back (a crash between join and leave). */
  private async purge(members: readonly BudgetMember[]): Promise<void> {
    const stale = members
      .filter(
        (member) => this.now() - member.heartbeatAt > BUDGET_ROW_PURGE_MS && !this.local.has(member.jobId),
      )
      .slice(0, 5);
    for (const member of stale) {
      await this.client.deleteEntity(PARTITION, member.jobId).catch(() => undefined);
    }
  }
}
