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

// A reader that stops early (`| head`) closes the pipe: that is the end of the output, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? EXIT.ok);
  });
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
