/**
 * Runs tasks with the same key one after another (in call order), tasks with different keys
 * concurrently. The decision route uses it per flag so two simultaneous decisions in one process
 * cannot both see the flag open; the second then sees the first and answers 409.
 */
export function createKeyedLock() {
  const tails = new Map<string, Promise<unknown>>();
  return {
    async run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(task, task);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      try {
        return await result;
      } finally {
        // Only the last task of a key removes the entry, so the map holds keys in use only.
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
    size: () => tails.size,
  };
}
