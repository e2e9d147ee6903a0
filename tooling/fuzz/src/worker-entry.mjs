// Worker bootstrap: tsx's loader hooks are per thread, so register them here, then load the worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
