/** Runs at most `n` tasks at once; the others wait in arrival order. */
export class Limit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly n: number) {
    if (!(n >= 1)) throw new RangeError(`concurrency must be at least 1, got ${n}`);
  }

  /** Waits for a slot; call the returned function (once) to give it back. */
  async acquire(): Promise<() => void> {
    if (this.running >= this.n)
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
      });
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.waiting.shift()?.();
    };
  }

  /** Runs `task` when a slot is free; the slot is released when it settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }
}
