import type { CliIo } from './io.js';
import { main } from './main.js';
import { readFileAsBytes } from './node-io.js';

/** What a CLI run printed and returned. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Test support: runs the CLI in-process against the real file system, capturing its output. */
export async function run(...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readFile: readFileAsBytes,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
