import { captureSyntaxError as captureError } from './capture-syntax-error';
import { QuerySyntaxError, tokenize, type Token } from '../../../../shared/query';

const describeToken = (token: Token): string => {
  switch (token.kind) {
    case 'identifier':
    case 'escaped':
      return `${token.kind}:${token.name}@${token.start}-${token.end}`;
    case 'string':
    case 'number':
      return `${token.kind}:${String(token.value)}@${token.start}-${token.end}`;
    case 'punctuator':
      return `${token.text}@${token.start}-${token.end}`;
    case 'end':
      return `end@${token.start}`;
  }
};
const lex = (text: string): string[] => tokenize(text).map(describeToken);

describe('tokenize', () => {
  it('gives every token its kind and 0-based start/end offsets', () => {
    expect(lex("SELECT * FROM devices WHERE tags.a = 'x'")).toEqual([
      'identifier:SELECT@0-6',
      '*@7-8',
      'identifier:FROM@9-13',
      'identifier:devices@14-21',
      'identifier:WHERE@22-27',
      'identifier:tags@28-32',
      '.@32-33',
      'identifier:a@33-34',
      '=@35-36',
      'string:x@37-40',
      'end@40',
    ]);
  });

  it.each([
    ['!=', ['!=@0-2', 'end@2']],
    ['<>', ['<>@0-2', 'end@2']],
    ['<=>=', ['<=@0-2', '>=@2-4', 'end@4']],
    ['<>=', ['<>@0-2', '=@2-3', 'end@3']],
    ['+-*/%', ['+@0-1', '-@1-2', '*@2-3', '/@3-4', '%@4-5', 'end@5']],
    ['([,])', ['(@0-1', '[@1-2', ',@2-3', ']@3-4', ')@4-5', 'end@5']],
  ])('operators %s', (text, expected) => {
    expect(lex(text)).toEqual(expected);
  });

  it.each([
    ['42', 42],
    ['3.25', 3.25],
    ['1e3', 1000],
    ['1.5E-2', 0.015],
    ['2e+2', 200],
    ['0x1F', 31],
    ['0Xff', 255],
    ['0', 0],
    ['007', 7],
  ])('number %s is %p', (text, value) => {
    const [token] = tokenize(text);
    expect(token).toEqual({ kind: 'number', value, start: 0, end: text.length });
  });

  it.each([
    ["'plain'", 'plain'],
    ['"double"', 'double'],
    ["'it\\'s'", "it's"],
    ['"say \\"hi\\""', 'say "hi"'],
    ["'back\\\\slash'", 'back\\slash'],
    ["'\\u00e9\\u20AC'", 'é€'],
    ["'a\\nb\\tc\\/d'", 'a\nb\tc/d'],
    ["'\\r\\b\\f'", '\r\b\f'],
    ['"single \' inside"', "single ' inside"],
    ["'double \" inside'", 'double " inside'],
    ["''", ''],
  ])('string %s', (text, value) => {
    const [token] = tokenize(text);
    expect(token).toEqual({ kind: 'string', value, start: 0, end: text.length });
  });

  it('reads [[escaped]] names as one token, keeping every character but ]]', () => {
    expect(lex('tags.[[my key.with-dots]].x')).toEqual([
      'identifier:tags@0-4',
      '.@4-5',
      'escaped:my key.with-dots@5-25',
      '.@25-26',
      'identifier:x@26-27',
      'end@27',
    ]);
  });

  it('reads $ names and digit-first segments after a dot', () => {
    expect(lex('properties.desired.$version tags.1st')).toEqual([
      'identifier:properties@0-10',
      '.@10-11',
      'identifier:desired@11-18',
      '.@18-19',
      'identifier:$version@19-27',
      'identifier:tags@28-32',
      '.@32-33',
      'identifier:1st@33-36',
      'end@36',
    ]);
  });

  it('reads unicode letters in names and skips all whitespace', () => {
    expect(lex('\n\ttags.température\r\n')).toEqual([
      'identifier:tags@2-6',
      '.@6-7',
      'identifier:température@7-18',
      'end@20',
    ]);
  });

  it.each([
    ["'open", 1, 'unterminated string literal'],
    ["x = 'open\\", 5, 'unterminated string literal'],
    ["'bad \\q'", 6, "invalid escape sequence '\\q'"],
    ["'\\u12'", 2, 'invalid escape: \\u must be followed by 4 hexadecimal digits'],
    ["'\\uZZZZ'", 2, 'invalid escape: \\u must be followed by 4 hexadecimal digits'],
    ['x = 0x', 5, 'invalid hexadecimal number: expected hexadecimal digits after 0x'],
    ['x = 0xG1', 5, 'invalid hexadecimal number: expected hexadecimal digits after 0x'],
    ['x = 12ab', 5, "invalid number '12ab'"],
    ['x = 1e', 5, "invalid number '1e'"],
    ['tags.[[open', 6, "unterminated escaped name: '[[' without ']]'"],
    ['tags.[[]]', 6, "empty escaped name '[[]]'"],
    ['x ! 1', 3, "unexpected character '!'"],
    ['x = #', 5, "unexpected character '#'"],
    ['x = `y`', 5, "unexpected character '`'"],
  ])('rejects %s at position %d', (text, position, detail) => {
    const error = captureError(() => tokenize(text));
    expect(error).toBeInstanceOf(QuerySyntaxError);
    expect(error.code).toBe('ArgumentInvalid');
    expect(error.position).toBe(position);
    expect(error.message).toBe(`Syntax error at position ${position}: ${detail}`);
  });

  it('reports line and column of errors on later lines', () => {
    const error = captureError(() => tokenize("SELECT *\nFROM devices\nWHERE x = 'open"));
    expect([error.position, error.line, error.column]).toEqual([33, 3, 11]);
  });
});
