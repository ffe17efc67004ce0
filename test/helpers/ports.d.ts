/** A TCP port that was free a moment ago on 127.0.0.1 (another process may take it before the caller listens). */
export declare function freePort(): Promise<number>;
