/** The page origin every bench client presents (every system under test allows it). */
export const BENCH_ORIGIN = 'http://localhost:5173';
