import { exitCodes } from './io.js';
import { main } from './main.js';
import { nodeIo } from './node-io.js';

// A reader that stops early (`dl nm big.so | head -1`) closes the pipe: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(exitCodes.brokenPipe);
    throw e;
  });
}

process.exitCode = await main(process.argv.slice(2), nodeIo);
