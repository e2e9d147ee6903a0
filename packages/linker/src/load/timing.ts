/**
 * A load's clock: how long each phase took (the `done` event's `phases`) and the whole load.
 * Phases are marked as they end; a phase marked twice adds up.
 */
export class PhaseTimer {
  readonly started: number = performance.now();
  readonly phases: Record<string, number> = {};
  private last: number = this.started;

  /** Ends a phase: the time since the previous mark is added to it. */
  mark(phase: string): void {
    const now = performance.now();
    this.phases[phase] = (this.phases[phase] ?? 0) + now - this.last;
    this.last = now;
  }

  /** Milliseconds since the phase under way began. */
  sinceMark(): number {
    return performance.now() - this.last;
  }

  /** Milliseconds since the load began. */
  elapsed(): number {
    return performance.now() - this.started;
  }
}
