/**
 * The Run tab's function pointers: `&f` taken from a function row (the table slot the linker gives
 * it), kept across Close and Reload, and called as C calls a stored pointer (`call_indirect`). A
 * pointer into an unloaded library traps: the page shows the engine's message and what the slot
 * is now (`linker.slotInfo`): quarantined, and whose it was.
 */
import type { App } from '../app.js';
import type { CallOutcome, FunctionPointer, SlotState } from '../worker/protocol.js';
import { h, ms } from './dom.js';
import { errorBox } from './error-box.js';

/** What a slot is now, in words. */
export function slotText(slot: SlotState): string {
  const whose = slot.owner === undefined ? '' : `${slot.owner}'s`;
  switch (slot.state) {
    case 'quarantined':
      return `slot ${slot.slot} is quarantined: it was ${whose === '' ? 'an unloaded library’s' : whose}, set to null when it was unloaded, and is reused only when the table would otherwise grow`;
    case 'free':
      return `slot ${slot.slot} is free: no function is there`;
    case 'held':
      return `slot ${slot.slot} holds ${whose === '' ? 'a function' : `a function of ${slot.owner ?? ''}`}`;
  }
}

function signature(p: FunctionPointer): string {
  return `(${p.params.join(', ')}) -> ${p.results.length === 1 ? p.results[0]! : `(${p.results.join(', ')})`}`;
}

function outcomeView(result: CallOutcome | 'pending' | undefined): HTMLElement[] {
  if (result === undefined) return [];
  if (result === 'pending') return [h('span', { class: 'muted' }, 'calling…')];
  if (result.ok)
    return [
      h('output', { class: 'result', dataset: { result: result.result } }, `= ${result.result}`),
      h('span', { class: 'muted small' }, ` in ${ms(result.ms)}`),
    ];
  return [
    errorBox(result.error),
    ...(result.slot === undefined
      ? []
      : [
          h(
            'p',
            { class: 'slot-info', dataset: { state: result.slot.state, slot: String(result.slot.slot) } },
            slotText(result.slot),
          ),
        ]),
  ];
}

/** What was typed per pointer (by slot), kept across re-renders. */
export type TypedArguments = Map<number, string[]>;

/** The list of pointers taken, each with inputs for its arguments and a Call button. */
export function pointerList(app: App, typed: TypedArguments): HTMLElement {
  if (app.pointers.length === 0)
    return h(
      'section',
      { id: 'pointer-list', 'aria-labelledby': 'pointer-heading' },
      h('h3', { id: 'pointer-heading' }, 'Function pointers'),
      h(
        'p',
        { class: 'muted' },
        'Take a function’s address (&) to keep a pointer to it: it stays here after Close and Reload.',
      ),
    );
  return h(
    'section',
    { id: 'pointer-list', 'aria-labelledby': 'pointer-heading' },
    h('h3', { id: 'pointer-heading' }, 'Function pointers'),
    ...app.pointers.map((p) => pointerRow(app, p, typed)),
  );
}

function pointerRow(app: App, p: FunctionPointer, typed: TypedArguments): HTMLElement {
  const values = typed.get(p.slot) ?? p.params.map(() => '');
  typed.set(p.slot, values);
  const inputs = p.params.map((type, i) => {
    const input = h('input', {
      type: 'text',
      class: 'arg',
      placeholder: type,
      'aria-label': `&${p.name} argument ${i + 1} (${type})`,
      size: 8,
      value: values[i] ?? '',
    });
    input.addEventListener('input', () => {
      values[i] = input.value;
    });
    return input;
  });
  const output = h('div', { class: 'call-output' }, ...outcomeView(app.pointerCalls.get(p.slot)));
  const call = (): void => {
    void app.callPointer(
      p,
      inputs.map((input) => input.value),
    );
  };
  for (const input of inputs)
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') call();
    });
  return h(
    'div',
    { class: 'function-row pointer-row', dataset: { slot: String(p.slot), function: p.name, library: p.library } },
    h('span', { class: 'mono fn-name' }, `slot ${p.slot} = &${p.name}`),
    h('span', { class: 'mono muted fn-type' }, `${p.library} ${signature(p)}`),
    h('span', { class: 'args' }, ...inputs),
    h(
      'button',
      {
        type: 'button',
        class: 'call',
        'aria-label': `Call *p: the pointer to ${p.name} (slot ${p.slot})`,
        onclick: call,
      },
      'Call *p',
    ),
    output,
  );
}
