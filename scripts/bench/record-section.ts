/**
 * `node dist/scripts/bench/record-section.js <report.md>`: copies a section a benchmark wrote as it ran (its
 * `--report` file, between `<!-- name:start -->` and `<!-- name:end -->`) into BENCHMARKS.md, replacing the
 * section of that name or appending it.
 */
import fs from 'node:fs';
import { writeBenchmarkSection } from './bench-support';

const file = process.argv[2];
if (!file) {
  console.error('Usage: node dist/scripts/bench/record-section.js <report.md>');
  process.exit(2);
}
const text = fs.readFileSync(file, 'utf8');
const match = /<!-- ([\w-]+):start -->\n([\s\S]*)\n<!-- \1:end -->/.exec(text);
if (!match?.[1] || match[2] === undefined) {
  console.error(`${file} holds no section between <!-- name:start --> and <!-- name:end --> markers.`);
  process.exit(1);
}
writeBenchmarkSection(match[1], match[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
