import * as contract from '@device-jobs/client';
import { DEVICE_ID_RULE, isDeviceId } from '../../../shared/iothub-rules';
import { JobValidationError } from '../../../shared/jobs/core/job-errors';
import { assertJobId } from '../../../shared/jobs/core/name-rules';

/**
 * The deployed app does not load packages/client, so it keeps its own copy of the id rules (the wire types and the
 * error table it takes from the contract at compile time). This test holds the copies to the contract.
 */
const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
const samples = [...printable, 'é', '', 'a'.repeat(128), 'a'.repeat(129), 'job-1.2_3~x', 'dev%20:=@$'];

function serverAcceptsJobId(id: string): boolean {
  try {
    assertJobId('jobId', id);
    return true;
  } catch (error: unknown) {
    if (error instanceof JobValidationError) return false;
    throw error;
  }
}

describe("the server's id rules agree with the contract's", () => {
  it('accepts exactly the job ids the contract accepts', () => {
    const disagreements = samples.filter((id) => serverAcceptsJobId(id) !== contract.isJobId(id));
    expect(disagreements).toEqual([]);
    expect(samples.filter((id) => contract.isJobId(id)).length).toBeGreaterThan(60);
  });

  it('accepts exactly the device ids the contract accepts, and says the same rule', () => {
    const disagreements = samples.filter((id) => isDeviceId(id) !== contract.isDeviceId(id));
    expect(disagreements).toEqual([]);
    expect(DEVICE_ID_RULE).toBe(contract.DEVICE_ID_RULE);
  });

  it("names the job id rule in the contract's words", () => {
    expect(() => assertJobId('jobId', 'a b')).toThrow(contract.JOB_ID_RULE);
  });
});
