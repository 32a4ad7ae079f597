import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

/**
 * Lints `source` as if it were the file `file`, with exactly the purity rules `eslint.config.mjs` applies to that
 * path (the type-aware rules left out: they need the file on disk). Answers the rule ids that fired.
 */
function firedRules(samples: { file: string; source: string }[]): string[][] {
  const probe = `
    const { ESLint } = await import('eslint');
    const tseslint = (await import('typescript-eslint')).default;
    const config = (await import('./eslint.config.mjs')).default;
    const purity = config.filter((entry) => entry.files && entry.rules && Object.keys(entry.rules).some((rule) => rule.startsWith('no-restricted-')));
    const eslint = new ESLint({ overrideConfigFile: true, overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...purity] });
    const samples = JSON.parse(process.argv[1]);
    const fired = [];
    for (const { file, source } of samples) {
      const [result] = await eslint.lintText(source, { filePath: file });
      fired.push(result.messages.map((message) => message.ruleId));
    }
    console.log(JSON.stringify(fired));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe, JSON.stringify(samples)], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[][];
}

describe('purity fences (eslint.config.mjs)', () => {
  it('ban the clock, randomness, timers and I/O in shared/jobs and orchestrators, not pure code or adapters', () => {
    const impure = [
      'export const t = Date.now();',
      'export const d = new Date();',
      'export const r = Math.random();',
      'setTimeout(() => undefined, 1);',
      "import { readFileSync } from 'node:fs'; export const f = readFileSync;",
      "import { TableClient } from '@azure/data-tables'; export const c = TableClient;",
    ];
    const pure =
      "export const at = new Date(Date.parse('2026-12-06T00:00:00Z')); export const max = Math.max(1, 2);";
    const files = [
      'shared/jobs/core/probe.ts',
      'shared/jobs/engine/probe.ts',
      'shared/jobs/service/probe.ts',
      'functions/durable/probe.orchestrator.ts',
    ];
    const samples = files.flatMap((file) => [...impure, pure].map((source) => ({ file, source })));
    // Adapters implement the ports with the real clock and timers: the fence leaves them alone.
    const adapter = { file: 'shared/support/probe.ts', source: 'export const t = Date.now();' };
    const fired = firedRules([...samples, adapter]);
    const expected = [
      ['no-restricted-properties'],
      ['no-restricted-syntax'],
      ['no-restricted-properties'],
      ['no-restricted-globals'],
      ['no-restricted-imports'],
      ['no-restricted-imports'],
      [],
    ];
    expect(fired).toEqual([...files.flatMap(() => expected), []]);
  });
});
