/**
 * Wraps `load` so that its promise is shared for `maxAgeMs` after each load: callers within that
 * time get the same promise (settled or not). A rejected load is forgotten, so the next call
 * loads again. `now` is the clock (injectable for tests).
 */
export function cachedPromise<T>(load: () => Promise<T>, maxAgeMs: number, now = Date.now): () => Promise<T> {
  let cache: { at: number; value: Promise<T> } | undefined;
  return () => {
    const at = now();
    if (cache === undefined || at - cache.at > maxAgeMs) {
      const value = load();
      const entry = { at, value };
      cache = entry;
      // Only this load's failure clears the cache (a newer load may have replaced it meanwhile).
      value.catch(() => {
        if (cache === entry) cache = undefined;
      });
    }
    return cache.value;
  };
}
