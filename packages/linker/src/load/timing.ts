import { now } from '../clock.js';

/**
 * A load's clock: how long each phase took (the `done` event's `phases`) and the whole load.
 * Phases are marked as they end; a phase marked twice adds up.
 */
export class PhaseTimer {
  readonly started: number = now();
  readonly phases: Record<string, number> = {};
  private last: number = this.started;

  /** Ends a phase: the time since the previous mark is added to it. */
  mark(phase: string): void {
    const at = now();
    this.phases[phase] = (this.phases[phase] ?? 0) + at - this.last;
    this.last = at;
  }

  /** Milliseconds since the phase under way began. */
  sinceMark(): number {
    return now() - this.last;
  }

  /** Milliseconds since the load began. */
  elapsed(): number {
    return now() - this.started;
  }
}
