#!/usr/bin/env node
import { CommanderError } from 'commander';
import { describeError, EXIT } from './errors';
import { Terminal } from './output/terminal';
import { createProgram } from './program';

async function main(argv: string[]): Promise<number> {
  const terminal = new Terminal(process.stdout, process.stderr);
  let exitCode: number = EXIT.ok;
  const program = createProgram({ terminal, exit: (code) => (exitCode = Math.max(exitCode, code)) });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error: unknown) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.error;
    terminal.error(describeError(error));
    return EXIT.error;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = EXIT.error;
  },
);
