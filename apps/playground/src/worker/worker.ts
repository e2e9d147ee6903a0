/**
 * The playground's worker: reads, inspects, links and calls, so the page never freezes. The
 * page can terminate it at any time (Cancel) and start a fresh one.
 */
import { errorInfo } from './errors.js';
import { FileSet } from './files.js';
import { LinkSession } from './link.js';
import type { PostedEvent, WorkerMessage, WorkerRequest } from './protocol.js';
import { runWasi } from './wasi-run.js';

declare const self: DedicatedWorkerGlobalScope;

const files = new FileSet();
const session = new LinkSession();

function post(message: WorkerMessage): void {
  self.postMessage(message);
}

async function handle(request: WorkerRequest): Promise<void> {
  switch (request.type) {
    case 'open': {
      const total = request.files.length;
      const opened = await files.open(request.files, (file, done) => {
        post({ id: request.id, type: 'file-progress', file, done, total });
      });
      post({ id: request.id, type: 'opened', files: opened });
      return;
    }
    case 'remove':
      files.remove(request.names);
      post({ id: request.id, type: 'removed' });
      return;
    case 'link': {
      const outcome = await session.link(files, request.program, request.libraries, (event) => {
        post({ id: request.id, type: 'link-event', event });
      });
      post({ id: request.id, type: 'linked', outcome });
      return;
    }
    case 'call':
      post({ id: request.id, type: 'called', outcome: session.call(request.library, request.name, request.args) });
      return;
    case 'close':
    case 'reload': {
      const onEvent = (event: PostedEvent): void => {
        post({ id: request.id, type: 'link-event', event });
      };
      const outcome =
        request.type === 'close'
          ? await session.close(files, request.library, onEvent)
          : await session.reload(files, request.library, request.build, onEvent);
      post({ id: request.id, type: 'changed', outcome });
      return;
    }
    case 'address':
      try {
        post({
          id: request.id,
          type: 'addressed',
          outcome: { ok: true, pointer: session.address(request.library, request.name) },
        });
      } catch (error) {
        post({ id: request.id, type: 'addressed', outcome: { ok: false, error: errorInfo(error) } });
      }
      return;
    case 'call-pointer':
      post({ id: request.id, type: 'called', outcome: session.callPointer(request.pointer, request.args) });
      return;
    case 'run-wasi':
      post({ id: request.id, type: 'wasi-ran', outcome: await runWasi(files, request) });
      return;
  }
}

self.addEventListener('message', (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  handle(request).catch((error: unknown) => {
    post({ id: request.id, type: 'failed', error: errorInfo(error) });
  });
});
