import { DEVICE_ERROR_CODES, type DeviceResult, errorResult, twinResult } from '../core/device-outcome';
import type { DeviceJobRecord, TwinPatch } from '../core/job-model';
import type { JobDeviceGateway } from '../core/ports';
import { isPatchApplied } from '../core/twin-patch-applied';
import { changedSince, overwrittenBy, restorePatch } from '../core/twin-rollback';

/** Reads and conditional writes of one device before a rollback gives up on a twin that keeps changing. */
const MAX_RESTORE_ATTEMPTS = 3;

export interface RestoreRequest {
  /** The patch the rolled-back job wrote. */
  parentPatch: TwinPatch;
  /** The rollback job's row of the device (`restore`: what the parent overwrote). */
  row: DeviceJobRecord;
  /** A run started this device before (a crash may have left the restore applied). */
  repeated: boolean;
}

/**
 * One device of a rollback job: reads the twin, checks that every value the parent job wrote is still there
 * (otherwise someone changed it since: `RollbackConflict`, the twin left alone), and writes the overwritten
 * values back at the etag it read, so a change racing the check is never overwritten (it is read and checked
 * again). `bounded` bounds each gateway call in time.
 */
export async function restoreDevice(
  gateway: JobDeviceGateway,
  { parentPatch, row, repeated }: RestoreRequest,
  bounded: <T>(call: Promise<T>) => Promise<T>,
): Promise<DeviceResult> {
  const { restore, deviceId } = row;
  if (!restore) {
    return failed(
      DEVICE_ERROR_CODES.rollbackUnavailable,
      `Job '${row.jobId}' knows no values to restore on this device: the job it rolls back recorded none ` +
        '(its write was repeated after a crash, or it ran before values were recorded).',
    );
  }
  const patch = restorePatch(restore);
  try {
    for (let attempt = 1; attempt <= MAX_RESTORE_ATTEMPTS; attempt += 1) {
      const twin = await bounded(gateway.readTwin(deviceId));
      if (repeated && isPatchApplied(patch, twin)) return twinResult();
      const changed = changedSince(parentPatch, restore, twin);
      if (changed !== undefined) {
        return failed(
          DEVICE_ERROR_CODES.rollbackConflict,
          `${changed} was changed after the job wrote it; the twin was left as it is.`,
        );
      }
      try {
        const applied = await bounded(gateway.applyTwinPatch(deviceId, { ...patch, etag: twin.etag }));
        return twinResult(overwrittenBy(patch, applied.previous));
      } catch (error: unknown) {
        if ((error as { code?: unknown }).code !== 'PreconditionFailed') throw error;
      }
    }
    return failed(
      DEVICE_ERROR_CODES.rollbackConflict,
      `The twin kept changing while it was being restored (${MAX_RESTORE_ATTEMPTS} attempts); it was left as it is.`,
    );
  } catch (error: unknown) {
    return errorResult(error);
  }
}

function failed(code: string, description: string): DeviceResult {
  return { status: 'failed', error: { code, description } };
}
