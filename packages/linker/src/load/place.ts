import { DlError } from '@dl/errors';
import { ensureMemory, PAGE } from '@dl/layout';
import type { Journal } from '../journal.js';
import type { Library, Placement } from '../state.js';
import type { LibraryRole } from './roles.js';

/**
 * "Place" (step 3, or 4 in a load with the main): a library's data (where its role puts it),
 * the memory and table sizes its imports declare as minimum, and its table range.
 */
export function place(state: Placement, journal: Journal, lib: Library, role: LibraryRole): void {
  role.placeData(state, journal, lib);
  for (const spec of lib.meta.imports) {
    if (spec.role === 'memory' && !ensureMemory(state.memory, spec.minimum * PAGE)) {
      throw new DlError('DL_OUT_OF_MEMORY', `it needs a memory of at least ${spec.minimum} pages`, {
        library: lib.name,
      });
    }
    if (spec.role === 'table' && state.table.length < spec.minimum) {
      const range = state.tables.reserve(spec.minimum - state.table.length, `${lib.name} (declared table minimum)`);
      journal.own(
        lib,
        () => {
          state.tables.release(range);
        },
        () => {
          state.tables.retire(range);
        },
      );
    }
  }
  const { tableSize, tableAlign } = lib.meta.dylink;
  if (tableSize > 0) {
    const range = state.tables.reserve(tableSize, lib.name, 2 ** tableAlign);
    journal.own(
      lib,
      () => {
        state.tables.release(range);
      },
      () => {
        // A reload hands the range to the new build (its slots then hold the new functions).
        if (lib.table === range) state.tables.retire(range);
      },
    );
    lib.table = range;
    lib.tableBase = range.base;
  }
}
