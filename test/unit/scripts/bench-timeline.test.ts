import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Timeline } from '../../../scripts/bench/bench-timeline';

describe("a long benchmark's timeline", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-timeline-'));
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leaves the steps that ended and the figures so far in its report when the run stops mid-step', () => {
    const report = path.join(dir, 'report.md');
    const timeline = new Timeline(
      'jobs-bench-1000000',
      ['## A million devices'],
      [{ name: 'Self', pid: () => process.pid }],
      report,
    );
    timeline.begin('Seeding');
    timeline.figure('Seed: 100,000 devices, the last 100,000 in 188 s');
    timeline.begin('Queries');

    const text = fs.readFileSync(report, 'utf8');
    expect(text.startsWith('<!-- jobs-bench-1000000:start -->\n## A million devices')).toBe(true);
    expect(text.trimEnd().endsWith('<!-- jobs-bench-1000000:end -->')).toBe(true);
    expect(text).toMatch(/\| Seeding \| \d\d:\d\d:\d\d \| \d+\.\d \| [\d.]+ \| \d+ MB \|/);
    expect(text).toMatch(/\| Queries \| \d\d:\d\d:\d\d \| \(running\) \| \? \| \? \|/);
    expect(text).toContain('- Seed: 100,000 devices, the last 100,000 in 188 s');
  });

  it('replaces the progress with the whole section once the run wrote it', () => {
    const report = path.join(dir, 'report.md');
    const timeline = new Timeline('s', ['## H'], [], report);
    timeline.begin('Only step');
    timeline.end();
    timeline.write('## H\n\nthe finished section');

    expect(fs.readFileSync(report, 'utf8')).toBe(
      '<!-- s:start -->\n## H\n\nthe finished section\n<!-- s:end -->\n',
    );
  });
});
