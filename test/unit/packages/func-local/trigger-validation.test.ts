import type { AppFolder } from '../../../../packages/func-local/app/app-folder';
import type { RegisteredFunction } from '../../../../packages/func-local/app/capture';
import type { BindingInfo } from '../../../../packages/func-local/app/core-api';
import type { ExtensionContext } from '../../../../packages/func-local/host/extension';
import { httpRouteOf } from '../../../../packages/func-local/triggers/http/http-trigger.extension';
import {
  queueConnectionOf,
  queueNameOf,
  queueTriggerMetadata,
} from '../../../../packages/func-local/triggers/queue/queue-trigger.extension';
import { timerScheduleOf } from '../../../../packages/func-local/triggers/timer/timer-trigger.extension';

function fnWith(name: string, binding: BindingInfo): RegisteredFunction {
  return { metadata: { name, bindings: { trigger: binding } }, callback: () => undefined };
}

function contextWith(env: NodeJS.ProcessEnv): ExtensionContext {
  const folder: AppFolder = {
    root: '/app',
    entryFiles: [],
    hostJson: {},
    localSettings: {},
    expectedShadowings: [],
  };
  return {
    folder,
    app: { functions: [], programmingModel: undefined, hooks: new Map() },
    env,
    storageConnectionString: 'azurite-connection',
    baseUrl: 'http://localhost:7071',
    listenAddress: '127.0.0.1',
    log: () => undefined,
    invoke: () => Promise.reject(new Error('not used')),
  };
}

describe('HTTP trigger validation', () => {
  it('joins the prefix, defaults the route to the function name and upper-cases methods', () => {
    const route = httpRouteOf(
      fnWith('getThing', { type: 'httpTrigger', direction: 'in', methods: ['get'] }),
      {
        type: 'httpTrigger',
        direction: 'in',
        methods: ['get'],
      },
      'api',
    );
    expect(route.template.text).toBe('api/getThing');
    expect(route.methods).toEqual(['GET']);
  });

  it('names the function when its route is invalid', () => {
    const binding: BindingInfo = { type: 'httpTrigger', direction: 'in', route: 'x/{id:nope}' };
    expect(() => httpRouteOf(fnWith('broken', binding), binding, 'api')).toThrow(
      /Function "broken": Route template "api\/x\/\{id:nope\}": Unknown route constraint "nope"/,
    );
  });
});

describe('timer trigger validation', () => {
  it('expands %SETTING% in the schedule', () => {
    const binding: BindingInfo = { type: 'timerTrigger', direction: 'in', schedule: '%CLEANUP_SCHEDULE%' };
    const schedule = timerScheduleOf(fnWith('cleanup', binding), binding, { CLEANUP_SCHEDULE: '00:10:00' });
    expect(schedule.kind).toBe('interval');
  });

  it('names the function and the expanded schedule when it is invalid', () => {
    const binding: BindingInfo = { type: 'timerTrigger', direction: 'in', schedule: '%MISSING%' };
    expect(() => timerScheduleOf(fnWith('cleanup', binding), binding, {})).toThrow(
      /Function "cleanup": schedule "%MISSING%" is neither an NCRONTAB expression/,
    );
  });
});

describe('queue trigger validation', () => {
  const binding = (extra: Partial<BindingInfo>): BindingInfo => ({
    type: 'queueTrigger',
    direction: 'in',
    ...extra,
  });

  it('expands the queue name and enforces Azure queue naming', () => {
    const ok = binding({ queueName: '%Q%' });
    expect(queueNameOf(fnWith('f', ok), ok, { Q: 'jobs-01' })).toBe('jobs-01');
    for (const bad of ['ab', 'Jobs', 'a--b', '-ab', 'ab-', 'a_b']) {
      const b = binding({ queueName: bad });
      expect(() => queueNameOf(fnWith('f', b), b, {})).toThrow(/Function "f": queue name ".*" is invalid/);
    }
  });

  it('resolves the connection setting, AzureWebJobs-prefixed names and development storage', () => {
    const context = contextWith({
      Other: 'DefaultEndpointsProtocol=https;AccountName=x',
      AzureWebJobsThird: 'third',
      Dev: 'UseDevelopmentStorage=true',
    });
    const resolve = (connection?: string) => {
      const b = binding({ queueName: 'q-1', connection });
      return queueConnectionOf(fnWith('f', b), b, context);
    };
    expect(resolve(undefined)).toBe('azurite-connection');
    expect(resolve('AzureWebJobsStorage')).toBe('azurite-connection');
    expect(resolve('Other')).toBe('DefaultEndpointsProtocol=https;AccountName=x');
    expect(resolve('Third')).toBe('third');
    expect(resolve('Dev')).toBe('azurite-connection');
    expect(() => resolve('Absent')).toThrow(
      /Function "f": the queue trigger's connection setting "Absent" is not set/,
    );
  });

  it('builds the trigger metadata the Functions host sends', () => {
    const insertedOn = new Date('2024-01-01T00:00:00Z');
    const metadata = queueTriggerMetadata(
      {
        messageId: 'id-1',
        popReceipt: 'receipt',
        dequeueCount: 3,
        insertedOn,
        expiresOn: new Date('2024-01-08T00:00:00Z'),
        nextVisibleOn: new Date('2024-01-01T00:10:00Z'),
        messageText: 'aGk=',
      },
      'hi',
    );
    expect(metadata).toEqual({
      QueueTrigger: { string: 'hi' },
      DequeueCount: { json: '3' },
      Id: { string: 'id-1' },
      InsertionTime: { string: '2024-01-01T00:00:00.000Z' },
      ExpirationTime: { string: '2024-01-08T00:00:00.000Z' },
      NextVisibleTime: { string: '2024-01-01T00:10:00.000Z' },
      PopReceipt: { string: 'receipt' },
    });
  });
});
