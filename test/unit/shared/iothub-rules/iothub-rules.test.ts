import {
  isDeviceId,
  openContinuation,
  parseIfMatch,
  sealContinuation,
  seedNameProblem,
  twinKeyProblem,
} from '../../../../shared/iothub-rules';
import { pageRequestOf } from '../../../../shared/schemas/paging.schema';

describe('device ids', () => {
  it.each(["a-b.c%d_e*f?g!h(i)j,k:l=m@n$o'p", 'x'.repeat(128)])('accepts %s', (id) => {
    expect(isDeviceId(id)).toBe(true);
  });

  it.each(['', 'a+b', 'a#b', 'a b', 'a/b', 'é', 'x'.repeat(129), 5])('refuses %j', (id) => {
    expect(isDeviceId(id)).toBe(false);
  });
});

describe('twin keys: the job rule is stricter than the twin rule', () => {
  it.each(['a:b', 'é', 'a(b)', 'a@b'])('%j is a twin key but not a job property name', (key) => {
    expect(twinKeyProblem(key, 'twin')).toBeUndefined();
    expect(twinKeyProblem(key, 'job')).toMatch(/forbidden character/);
  });

  it.each(['a.b', '$a', 'a b', 'a\u0001', '', 'k'.repeat(1025)])('%j is refused by both', (key) => {
    expect(twinKeyProblem(key, 'twin')).toBeDefined();
    expect(twinKeyProblem(key, 'job')).toBeDefined();
  });
});

describe('names used when initiating a job', () => {
  it('allows exactly the printable US-ASCII characters outside $()<>@,;:\\"/[]?={}, in every position', () => {
    const forbidden = '$()<>@,;:\\"/[]?={}';
    for (let code = 0; code <= 0xffff; code++) {
      const character = String.fromCharCode(code);
      const allowed = code >= 0x21 && code <= 0x7e && !forbidden.includes(character);
      for (const name of [character, `a${character}`, `${character}b`]) {
        if ((seedNameProblem(name) === undefined) !== allowed)
          throw new Error(`${name} (U+${code.toString(16)})`);
      }
    }
    expect(seedNameProblem('😀')).toBe("the name '😀' contains the forbidden character U+1F600");
    expect(seedNameProblem('')).toBe('a name may not be empty');
  });
});

describe('paging', () => {
  it('defaults, caps and refuses page sizes', () => {
    expect(pageRequestOf({})).toEqual({ maxItems: 100 });
    expect(pageRequestOf({ maxItemCount: '5000', continuationToken: 't' })).toEqual({
      maxItems: 1000,
      continuationToken: 't',
    });
    expect(pageRequestOf({ maxItemCount: 0 })).toHaveProperty('problem');
    expect(pageRequestOf({ maxItemCount: '1.5' })).toHaveProperty('problem');
  });

  it('opens only continuation tokens issued for the same listing, unchanged', () => {
    const token = sealContinuation('jobs', { after: 'x' });
    expect(openContinuation('jobs', token)).toEqual({ position: { after: 'x' } });
    expect(openContinuation('devices', token)).toBeUndefined();
    expect(openContinuation('jobs', `${token}0`)).toBeUndefined();
    expect(
      openContinuation(
        'jobs',
        token.replace(/^./, (c) => (c === 'e' ? 'f' : 'e')),
      ),
    ).toBeUndefined();
    expect(openContinuation('jobs', Buffer.from('{"after":"x"}').toString('base64url'))).toBeUndefined();
    expect(openContinuation('jobs', 'garbage')).toBeUndefined();
  });
});

describe('If-Match', () => {
  it('tells absent, any and a specific etag apart', () => {
    expect(parseIfMatch(null)).toEqual({ kind: 'none' });
    expect(parseIfMatch(' * ')).toEqual({ kind: 'any' });
    expect(parseIfMatch('W/"abc"')).toEqual({ kind: 'etag', etag: 'abc' });
  });
});
