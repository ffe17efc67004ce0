import type { LifecycleEntry } from '@gamesocket/protocol';

/** A listener of the in-process lifecycle feed. */
export type LifecycleListener = (entry: LifecycleEntry) => void;

/**
 * The lifecycle feed of a single node (`memory` mode), where there is no Redis stream: transitions
 * are handed to in-process listeners as they happen, with ids in the stream's `<ms>-<seq>` form. A
 * listener that throws does not stop the others or the transition.
 */
export class MemoryLifecycle {
  private readonly listeners = new Set<LifecycleListener>();
  private lastMs = 0;
  private seq = 0;

  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  /** Calls `listener` with every transition from now on; returns the function that stops it. */
  subscribe(listener: LifecycleListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hands one transition to every listener. */
  append(entry: Omit<LifecycleEntry, 'id'>): void {
    if (this.listeners.size === 0) return;
    this.seq = entry.ts === this.lastMs ? this.seq + 1 : 0;
    this.lastMs = entry.ts;
    const full: LifecycleEntry = { id: `${entry.ts}-${this.seq}`, ...entry };
    for (const listener of this.listeners) {
      try {
        listener(full);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
