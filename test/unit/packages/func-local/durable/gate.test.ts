import { Gate } from '../../../../../packages/func-local/durable/queue-poller';

describe('Gate', () => {
  it('never lets more than its limit in, hands a released place to the longest waiter, and reports waiters', async () => {
    const gate = new Gate(2);
    await gate.acquire();
    await gate.acquire();
    const order: string[] = [];
    const first = gate.acquire().then(() => order.push('first'));
    const second = gate.acquire().then(() => order.push('second'));
    expect(gate.free).toBe(0);
    expect(gate.waiting).toBe(2);

    gate.release();
    // A newcomer while someone waits does not get in ahead of the waiter.
    let newcomer = false;
    const late = gate.acquire().then(() => (newcomer = true));
    await first;
    expect(order).toEqual(['first']);
    expect(newcomer).toBe(false);
    expect(gate.free).toBe(0);

    gate.release();
    await second;
    gate.release();
    await late;
    expect(order).toEqual(['first', 'second']);
    expect(gate.free).toBe(0);
    gate.release();
    gate.release();
    expect(gate.free).toBe(2);
    expect(gate.waiting).toBe(0);
  });
});
