import {
  commonPath,
  compareFunctionNames,
  describeExpectedShadowing,
  describeShadowing,
  isExpectedShadowing,
  findConflict,
  findShadowings,
  inHostOrder,
  type OrderedRoute,
} from '../../../../packages/func-local/triggers/http/route-order';
import { parseRouteTemplate } from '../../../../packages/func-local/triggers/http/route-template';

const route = (functionName: string, template: string, methods?: string[]): OrderedRoute => ({
  functionName,
  template: parseRouteTemplate(template),
  methods,
});

const pairs = (routes: OrderedRoute[]) =>
  findShadowings(inHostOrder(routes)).map((s) => [s.winner.functionName, s.shadowed.functionName, s.example]);

describe("Azure's route order", () => {
  it('orders function names as OrdinalIgnoreCase does (upper-cased code units)', () => {
    const names = ['jobsQuery', 'JobsGet', 'jobs_x', 'jobsget2', 'Alpha', 'zeta'];
    expect(inHostOrder(names.map((functionName) => ({ functionName }))).map((r) => r.functionName)).toEqual([
      'Alpha',
      'JobsGet',
      'jobsget2',
      'jobsQuery',
      'jobs_x',
      'zeta',
    ]);
    expect(compareFunctionNames('ABC', 'abc')).toBe(0);
  });

  it('reports a parameter route sorting before a literal one, with a request both accept', () => {
    expect(
      pairs([route('jobsQuery', 'jobs/v2/query', ['GET']), route('jobsGet', 'jobs/v2/{jobId}', ['GET'])]),
    ).toEqual([['jobsGet', 'jobsQuery', { method: 'GET', path: '/jobs/v2/query' }]]);
  });

  it('reports nothing when methods do not overlap, lengths differ, or the literal sorts first', () => {
    expect(
      pairs([
        route('devicesQuery', 'devices/query', ['POST']),
        route('deviceIdentity', 'devices/{id}', ['GET', 'PUT', 'DELETE']),
        route('twin', 'twins/{id}', ['GET']),
        route('twinMethods', 'twins/{id}/methods', ['POST', 'GET']),
      ]),
    ).toEqual([]);
  });

  it('reports a literal route sorting first too: it takes that request from the parameter route', () => {
    expect(
      pairs([route('bGet', 'jobs/{id}', ['GET']), route('aQuery', 'jobs/query', ['GET', 'POST'])]),
    ).toEqual([['aQuery', 'bGet', { method: 'GET', path: '/jobs/query' }]]);
  });

  it('honours constraints, optional parameters and catch-alls when looking for a common request', () => {
    expect(commonPath(parseRouteTemplate('items/{id:int}'), parseRouteTemplate('items/new'))).toBeUndefined();
    expect(
      commonPath(parseRouteTemplate('items/{id:int}'), parseRouteTemplate('items/{n:alpha}')),
    ).toBeUndefined();
    expect(commonPath(parseRouteTemplate('items/{id:int}'), parseRouteTemplate('items/{n}'))).toEqual([
      'items',
      '1',
    ]);
    expect(commonPath(parseRouteTemplate('files/{*path}'), parseRouteTemplate('files/a/b/c'))).toEqual([
      'files',
      'a',
      'b',
      'c',
    ]);
    expect(commonPath(parseRouteTemplate('hello/{name?}'), parseRouteTemplate('hello'))).toEqual(['hello']);
    expect(
      commonPath(parseRouteTemplate('jobs/{id:regex(^(?!query$).+$)}'), parseRouteTemplate('jobs/query')),
    ).toBeUndefined();
  });

  it('names both functions and the winner in the warning, and treats a route without methods as any method', () => {
    const [shadowing] = findShadowings(
      inHostOrder([route('b', 'api/x/{v}', ['POST']), route('a', 'api/{*all}')]),
    );
    expect(shadowing && describeShadowing(shadowing)).toBe(
      'Route "api/{*all}" of function "a" shadows route "api/x/{v}" of function "b" (e.g. POST /api/x/x): ' +
        '"a" wins (Azure tries routes in function-name order and takes the first match; to change the winner, ' +
        'rename a function or add a route constraint).',
    );
  });

  it('says a shadowing the app declared is expected, and only that one', () => {
    const [shadowing] = findShadowings(
      inHostOrder([route('b', 'api/x/{v}', ['POST']), route('a', 'api/{*all}')]),
    );
    expect(shadowing && isExpectedShadowing(shadowing, [['a', 'b']])).toBe(true);
    expect(shadowing && isExpectedShadowing(shadowing, [['b', 'a']])).toBe(false);
    expect(shadowing && isExpectedShadowing(shadowing, [])).toBe(false);
    expect(shadowing && describeExpectedShadowing(shadowing)).toMatch(
      /^Expected, as the app declares: Route "api\/\{\*all\}" of function "a" shadows route /,
    );
  });

  it('finds two functions serving the same route for a common method (HttpRoutesConflict)', () => {
    expect(findConflict([route('a', 'x/{id}', ['GET']), route('b', 'X/{id}', ['PUT'])])).toBeUndefined();
    expect(
      findConflict([route('a', 'x/{id}', ['GET']), route('b', 'X/{id}', ['get'.toUpperCase()])]),
    ).toHaveLength(2);
  });
});
