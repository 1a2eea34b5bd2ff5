/**
 * The bytes of request bodies ingest holds at once, over all requests and platforms. The rate limit acts
 * only once a body is parsed, and each body costs several times its size while it is parsed and
 * produced, so without this many clients uploading at once could take the process's memory (found in
 * review: nothing capped it). A request reserves its declared length (the body limit when it declares
 * none) before its body is read, and gives it back when its answer is done or its connection is gone.
 */
export interface BodyBudget {
  /**
   * Reserves `bytes`; false when they do not fit beside what is held. A request is always let in when
   * nothing is held, so a cap below the body limit still lets the largest body through, one at a time.
   */
  reserve(bytes: number): boolean;
  release(bytes: number): void;
  held(): number;
}

export function createBodyBudget({ capBytes }: { capBytes: number }): BodyBudget {
  let held = 0;
  return {
    reserve(bytes) {
      if (held > 0 && held + bytes > capBytes) return false;
      held += bytes;
      return true;
    },
    release(bytes) {
      held -= bytes;
    },
    held: () => held,
  };
}

/**
 * The bytes a request may bring: its Content-Length, at most the body limit (a longer one is refused
 * with 413 before more arrives); the body limit when it declares none (chunked).
 */
export function bytesToReserve(contentLength: string | undefined, maxBodyBytes: number): number {
  if (contentLength === undefined || !/^[0-9]{1,16}$/.test(contentLength)) return maxBodyBytes;
  return Math.min(Number(contentLength), maxBodyBytes);
}
