import {
  createRouteConstraint,
  RouteConstraintError,
} from '../../../../packages/func-local/triggers/http/route-constraints';
import { RouteTable, pathSegments } from '../../../../packages/func-local/triggers/http/route-table';
import {
  joinRoute,
  parseRouteTemplate,
  RouteTemplateError,
} from '../../../../packages/func-local/triggers/http/route-template';

function tableOf(routes: [string, string[] | undefined][]): RouteTable<string> {
  const table = new RouteTable<string>();
  for (const [template, methods] of routes) table.add(parseRouteTemplate(template), methods, template);
  return table;
}

function matched(table: RouteTable<string>, method: string, path: string) {
  const result = table.match(method, path);
  return result.kind === 'matched' ? { target: result.target, params: result.params } : result.kind;
}

describe('route templates', () => {
  it('matches literals case-insensitively and binds parameters', () => {
    const table = tableOf([['api/products/{category}/{id}', undefined]]);
    expect(matched(table, 'GET', '/API/Products/books/42')).toEqual({
      target: 'api/products/{category}/{id}',
      params: { category: 'books', id: '42' },
    });
    expect(matched(table, 'GET', '/api/products/books')).toBe('not-found');
    expect(matched(table, 'GET', '/api/products/books/42/extra')).toBe('not-found');
  });

  it('accepts a trailing slash and decodes percent-encoded values', () => {
    const table = tableOf([['api/users/{name}', undefined]]);
    expect(matched(table, 'GET', '/api/users/J%C3%BCrgen%20M/')).toEqual({
      target: 'api/users/{name}',
      params: { name: 'Jürgen M' },
    });
  });

  it('binds optional parameters only when present, and defaults when absent', () => {
    const table = tableOf([
      ['hello/{name?}', undefined],
      ['pages/{page=1}', undefined],
    ]);
    expect(matched(table, 'GET', '/hello')).toEqual({ target: 'hello/{name?}', params: {} });
    expect(matched(table, 'GET', '/hello/ann')).toEqual({ target: 'hello/{name?}', params: { name: 'ann' } });
    expect(matched(table, 'GET', '/pages')).toEqual({ target: 'pages/{page=1}', params: { page: '1' } });
    expect(matched(table, 'GET', '/pages/3')).toEqual({ target: 'pages/{page=1}', params: { page: '3' } });
  });

  it('gives the rest of the path to a catch-all, which may be empty', () => {
    const table = tableOf([['files/{*path}', undefined]]);
    expect(matched(table, 'GET', '/files/a/b%2Fc/d.txt')).toEqual({
      target: 'files/{*path}',
      params: { path: 'a/b/c/d.txt' },
    });
    expect(matched(table, 'GET', '/files')).toEqual({ target: 'files/{*path}', params: {} });
  });

  it('splits complex segments greedily, with an optional tail', () => {
    const table = tableOf([['files/{name}.{ext?}', undefined]]);
    expect(matched(table, 'GET', '/files/archive.tar.gz')).toEqual({
      target: 'files/{name}.{ext?}',
      params: { name: 'archive.tar', ext: 'gz' },
    });
    expect(matched(table, 'GET', '/files/readme')).toEqual({
      target: 'files/{name}.{ext?}',
      params: { name: 'readme' },
    });
  });

  it('takes the first matching route in table order, without ranking literals above parameters', () => {
    const table = tableOf([
      ['items/{name}', undefined],
      ['items/{id:int}', undefined],
      ['items/new', undefined],
      ['items/{*rest}', undefined],
    ]);
    expect(matched(table, 'GET', '/items/new')).toMatchObject({
      target: 'items/{name}',
      params: { name: 'new' },
    });
    expect(matched(table, 'GET', '/items/7')).toMatchObject({ target: 'items/{name}' });
    expect(matched(table, 'GET', '/items/a/b')).toMatchObject({ target: 'items/{*rest}' });
    const literalFirst = tableOf([
      ['items/new', undefined],
      ['items/{name}', undefined],
    ]);
    expect(matched(literalFirst, 'GET', '/items/new')).toMatchObject({ target: 'items/new' });
  });

  it('lets methods take part in matching: a route excluding the method is skipped, and none left is not-found', () => {
    const table = tableOf([
      ['orders/{id}', ['get']],
      ['orders/new', ['POST']],
      ['orders/{id}', ['DELETE']],
    ]);
    expect(matched(table, 'delete', '/orders/5')).toMatchObject({ target: 'orders/{id}' });
    expect(matched(table, 'GET', '/orders/new')).toMatchObject({ params: { id: 'new' } });
    expect(matched(table, 'POST', '/orders/new')).toMatchObject({ target: 'orders/new', params: {} });
    expect(matched(table, 'PUT', '/orders/5')).toBe('not-found');
  });

  it('matches the empty template at the root', () => {
    const table = tableOf([['', undefined]]);
    expect(matched(table, 'GET', '/')).toEqual({ target: '', params: {} });
    expect(matched(table, 'GET', '/x')).toBe('not-found');
  });

  it('joins a route prefix, including an empty one', () => {
    expect(joinRoute('api', 'hello/{name?}')).toBe('api/hello/{name?}');
    expect(joinRoute('', '/hello/')).toBe('hello');
    expect(joinRoute('/v1/api/', '')).toBe('v1/api');
  });

  it('splits paths into decoded segments', () => {
    expect(pathSegments('/a/b%20c/')).toEqual(['a', 'b c']);
    expect(pathSegments('/')).toEqual([]);
  });
});

describe('route constraints', () => {
  const accepts = (template: string, value: string) =>
    matched(tableOf([[template, undefined]]), 'GET', `/${encodeURIComponent(value)}`) !== 'not-found';

  it.each([
    ['{v:int}', '42', true],
    ['{v:int}', '-7', true],
    ['{v:int}', '4.2', false],
    ['{v:int}', '2147483648', false],
    ['{v:long}', '2147483648', true],
    ['{v:long}', '9223372036854775808', false],
    ['{v:double}', '-1.5e3', true],
    ['{v:double}', 'abc', false],
    ['{v:bool}', 'True', true],
    ['{v:bool}', 'yes', false],
    ['{v:alpha}', 'abcXYZ', true],
    ['{v:alpha}', 'abc1', false],
    ['{v:guid}', 'CD2C1638-1638-72D5-1638-DEADBEEF1638', true],
    ['{v:guid}', '{cd2c1638-1638-72d5-1638-deadbeef1638}', true],
    ['{v:guid}', 'cd2c163872d51638deadbeef16381638', true],
    ['{v:guid}', 'cd2c1638-1638-72d5-1638', false],
    ['{v:minlength(3)}', 'abc', true],
    ['{v:minlength(3)}', 'ab', false],
    ['{v:maxlength(3)}', 'abcd', false],
    ['{v:length(2)}', 'ab', true],
    ['{v:length(2)}', 'abc', false],
    ['{v:length(2,4)}', 'abcd', true],
    ['{v:length(2,4)}', 'a', false],
    ['{v:min(10)}', '10', true],
    ['{v:min(10)}', '9', false],
    ['{v:max(10)}', '11', false],
    ['{v:range(1,5)}', '5', true],
    ['{v:range(1,5)}', '6', false],
    ['{v:range(1,5)}', 'x', false],
    ['{v:regex(^[a-z]{{2}}\\d$)}', 'ab1', true],
    ['{v:regex(^[a-z]{{2}}\\d$)}', 'abc1', false],
    ['{v:int:min(1)}', '0', false],
    ['{v:int:min(1)}', '1', true],
    ['{v:datetime}', '2024-01-02', true],
  ])('%s with "%s" → %s', (template, value, expected) => {
    expect(accepts(template, value)).toBe(expected);
  });

  it('keeps constraints on optional parameters when the value is present', () => {
    const table = tableOf([['n/{v:int?}', undefined]]);
    expect(matched(table, 'GET', '/n')).toEqual({ target: 'n/{v:int?}', params: {} });
    expect(matched(table, 'GET', '/n/x')).toBe('not-found');
  });

  it('rejects unknown constraints and bad arguments', () => {
    expect(() => createRouteConstraint('even', undefined)).toThrow(RouteConstraintError);
    expect(() => createRouteConstraint('min', 'x')).toThrow(/whole number/);
    expect(() => createRouteConstraint('int', '3')).toThrow(/no argument/);
    expect(() => createRouteConstraint('regex', '(')).toThrow(/not a valid regular expression/);
  });
});

describe('invalid route templates', () => {
  it.each([
    ['a/{id', /without its "}"/],
    ['a/id}', /without its "{"/],
    ['{*rest}/x', /catch-all/],
    ['{a}/{A}', /twice/],
    ['{a}{b}', /two parameters/],
    ['{a?}.x', /must end its segment/],
    ['a//b', /empty segment/],
    ['{id:frobnicate}', /Unknown route constraint "frobnicate"/],
  ])('%s', (template, message) => {
    expect(() => parseRouteTemplate(template)).toThrow(RouteTemplateError);
    expect(() => parseRouteTemplate(template)).toThrow(message);
  });
});
