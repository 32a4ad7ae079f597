import { styleText } from 'node:util';
import Table from 'cli-table3';

/** Where output goes: process.stdout/stderr, or any writable in tests. */
export interface OutputStream extends NodeJS.WritableStream {
  isTTY?: boolean;
  columns?: number;
}

export type Style = 'green' | 'red' | 'yellow' | 'cyan' | 'gray' | 'bold';

const BORDERLESS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/**
 * Human output on a terminal (tables with borders, colours, live bars) and plain output everywhere else: piped
 * output has no colours and no escape codes, tables become aligned columns without borders.
 */
export class Terminal {
  constructor(
    readonly out: OutputStream,
    readonly err: OutputStream,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** stdout is a terminal: bars and bordered tables. */
  get interactive(): boolean {
    return this.out.isTTY === true;
  }

  /** Colours only on a terminal, and never with NO_COLOR set or TERM=dumb (https://no-color.org). */
  get colour(): boolean {
    return this.interactive && !this.env.NO_COLOR && this.env.TERM !== 'dumb';
  }

  paint(style: Style, text: string): string {
    return this.colour && text !== '' ? styleText(style, text) : text;
  }

  line(text = ''): void {
    this.out.write(`${text}\n`);
  }

  json(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  jsonLine(value: unknown): void {
    this.line(JSON.stringify(value));
  }

  table(head: readonly string[], rows: readonly (readonly string[])[]): void {
    const table = this.interactive
      ? new Table({
          head: head.map((title) => this.paint('bold', title)),
          chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
          style: { head: [], border: [] },
        })
      : new Table({
          head: [...head],
          chars: BORDERLESS,
          style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
        });
    table.push(...rows.map((row) => [...row]));
    this.line(this.interactive ? table.toString() : table.toString().replace(/[ \t]+$/gm, ''));
  }

  /** `error: <first line>` on stderr, the other lines below it as they are. */
  error(lines: readonly string[]): void {
    const label = this.err.isTTY === true && !this.env.NO_COLOR ? styleText('red', 'error') : 'error';
    const [first = '', ...rest] = lines;
    this.err.write([`${label}: ${first}`, ...rest].map((line) => `${line}\n`).join(''));
  }
}
