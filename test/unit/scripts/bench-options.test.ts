import path from 'node:path';
import {
  choicesOf,
  filePath,
  positiveNumber,
  readBenchOptions,
  wholeNumberFrom,
} from '../../../scripts/bench/bench-options';

const usage = { script: 'dist/scripts/bench/some-bench.js', summary: 'Measures something.' };
const spec = {
  devices: { value: wholeNumberFrom(1), default: 20_000, placeholder: 'N', description: 'devices' },
  'latency-ms': { value: wholeNumberFrom(0), default: 20, placeholder: 'MS', description: 'latency' },
  budget: { value: positiveNumber, default: 50, placeholder: 'N', description: 'budget' },
  report: { value: filePath, placeholder: 'FILE', description: 'report file' },
  only: {
    value: choicesOf(['queries', 'method'] as const),
    default: new Set(['queries', 'method'] as const),
    placeholder: 'PARTS',
    description: 'parts',
  },
  profile: { flag: true, description: 'profiles' },
} as const;

describe("the benchmarks' option parser", () => {
  it('gives the defaults when no option is given, and reads every kind of value', () => {
    expect(readBenchOptions(usage, spec, [])).toEqual({
      options: {
        devices: 20_000,
        'latency-ms': 20,
        budget: 50,
        report: undefined,
        only: new Set(['queries', 'method']),
        profile: false,
      },
    });
    const given = readBenchOptions(usage, spec, [
      '--devices',
      '1000000',
      '--latency-ms=0',
      '--budget',
      '2.5',
      '--report',
      'run.md',
      '--only',
      'method',
      '--profile',
    ]);
    expect(given).toEqual({
      options: {
        devices: 1_000_000,
        'latency-ms': 0,
        budget: 2.5,
        report: path.resolve('run.md'),
        only: new Set(['method']),
        profile: true,
      },
    });
  });

  it('answers --help with the usage and exit code 0', () => {
    const read = readBenchOptions(usage, spec, ['--help']);
    expect(read).toMatchObject({ exitCode: 0 });
    const output = 'output' in read ? read.output : '';
    expect(output).toMatch(
      /^Usage: node dist\/scripts\/bench\/some-bench\.js \[options\]\n\nMeasures something\./,
    );
    expect(output).toContain('--devices N');
    expect(output).toContain('(default 20000)');
    expect(output).toContain('(default queries,method)');
    expect(readBenchOptions(usage, spec, ['-h'])).toMatchObject({ exitCode: 0 });
  });

  it('refuses unknown options, missing values and stray arguments with the usage and exit code 2', () => {
    for (const [argv, problem] of [
      [['--help-me'], "Unknown option '--help-me'"],
      [['--devices'], "Option '--devices <value>' argument missing"],
      [['100000'], "Unexpected argument '100000'"],
      [['--profile=yes'], "Option '--profile' does not take an argument"],
    ] as const) {
      const read = readBenchOptions(usage, spec, [...argv]);
      expect(read).toMatchObject({ exitCode: 2 });
      expect('output' in read && read.output).toContain(problem);
      expect('output' in read && read.output).toContain('Usage: node dist/scripts/bench/some-bench.js');
    }
  });

  it('refuses a value its schema does not take, naming the option, the rule and the value', () => {
    const refusal = (argv: string[]) => {
      const read = readBenchOptions(usage, spec, argv);
      return 'output' in read ? read.output.split('\n')[0] : 'accepted';
    };
    expect(refusal(['--devices', 'many'])).toBe(
      '--devices must be a whole number of at least 1 (got "many").',
    );
    expect(refusal(['--devices', '0'])).toBe('--devices must be a whole number of at least 1 (got "0").');
    expect(refusal(['--devices', '2.5'])).toBe('--devices must be a whole number of at least 1 (got "2.5").');
    expect(refusal(['--latency-ms=-1'])).toBe(
      '--latency-ms must be a whole number of at least 0 (got "-1").',
    );
    expect(refusal(['--budget', '0'])).toBe('--budget must be a number greater than 0 (got "0").');
    expect(refusal(['--report', ''])).toBe('--report must name a file (got "").');
    expect(refusal(['--only', 'queries,twin'])).toBe(
      '--only takes one or more of queries,method, separated by commas (got "queries,twin").',
    );
  });
});
