/**
 * Items due at whole units of time, served in batches by one timer: an item waits in the set of its
 * key (a time in units of `unitMs`), the timer is armed for the earliest key, and a firing serves every
 * key that has come, each item once. Nothing is served before its key's time.
 */
export class DueSets<T> {
  // Key -> items due then.
  private readonly due = new Map<number, Set<T>>();
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private count = 0;

  /**
   * @param serve called once for each item whose key has come (it may add items again).
   * @param unitMs the length of one key's unit (keys are read against the monotonic `performance.now()`).
   */
  constructor(
    private readonly serve: (item: T) => void,
    private readonly unitMs: number,
  ) {}

  /** The key `delayMs` from now: serving it is at most one unit late, never early. */
  keyIn(delayMs: number): number {
    return Math.ceil((performance.now() + delayMs) / this.unitMs);
  }

  /** How many items wait. */
  get size(): number {
    return this.count;
  }

  /** Adds `item` under `key` (a second add under the same key changes nothing). */
  add(key: number, item: T): void {
    let set = this.due.get(key);
    if (set === undefined) this.due.set(key, (set = new Set()));
    const before = set.size;
    set.add(item);
    this.count += set.size - before;
    if (key < this.armedFor) this.arm(key);
  }

  /** Removes `item` from under `key`; false when it was not there. */
  remove(key: number, item: T): boolean {
    const set = this.due.get(key);
    if (set?.delete(item) !== true) return false;
    this.count -= 1;
    if (set.size === 0) this.due.delete(key);
    return true;
  }

  private arm(key: number): void {
    clearTimeout(this.timer);
    this.armedFor = key;
    // Node's timers count whole milliseconds from a truncated clock: one more keeps them from firing just early.
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(key * this.unitMs - performance.now())) + 1);
    // The items' owners keep the process alive, not their deadlines.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const nowKey = Math.floor(performance.now() / this.unitMs);
    const come: number[] = [];
    let next = Infinity;
    for (const key of this.due.keys()) {
      if (key <= nowKey) come.push(key);
      else if (key < next) next = key;
    }
    try {
      for (const key of come.sort((a, b) => a - b)) {
        const items = this.due.get(key);
        if (items === undefined) continue;
        // Each item leaves before it is served: a `remove` meanwhile finds the truth, a throw leaves the rest waiting.
        for (const item of items) {
          items.delete(item);
          this.count -= 1;
          this.serve(item);
        }
        this.due.delete(key);
      }
    } finally {
      // A throwing `serve` left the rest of its keys waiting: they are due at once.
      for (const key of come) if (key < next && this.due.has(key)) next = key;
      // `serve` may have armed the timer for an item it added.
      if (next < this.armedFor) this.arm(next);
    }
  }
}
