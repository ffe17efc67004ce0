// Preloaded (`--import`) into every forked bench process, the service under test included: answers
// the runner's samples of CPU time and memory (after a full GC when asked) over the IPC channel.
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { serveRpc } from './rpc.js';

/** One reading of a process's counters. */
export interface ProbeSample {
  /** User + system CPU time of the whole process (every thread), microseconds. */
  cpuUs: number;
  /** The system (kernel) part of `cpuUs`. */
  systemUs: number;
  rss: number;
  heapUsed: number;
  /**
   * Resident bytes of V8's young generation (new space and new large objects): pages V8 keeps for
   * allocation whatever the connections, touched as allocation cycles through them, and counted in `rss`.
   */
  youngResident: number;
  /** Wall clock of the reading, epoch milliseconds. */
  at: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

serveRpc(
  {
    'probe:sample': ({ gc: collect }: { gc?: boolean }): ProbeSample => {
      if (collect === true && gc !== undefined) {
        gc();
        gc();
      }
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      return {
        cpuUs: cpu.user + cpu.system,
        systemUs: cpu.system,
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        youngResident: getHeapSpaceStatistics()
          .filter((space) => space.space_name === 'new_space' || space.space_name === 'new_large_object_space')
          .reduce((sum, space) => sum + space.physical_space_size, 0),
        at: performance.timeOrigin + performance.now(),
      };
    },
    /** Writes a V8 heap snapshot to `file` (for a by-hand look at what a connection holds). */
    'probe:heapSnapshot': ({ file }: { file: string }): string => writeHeapSnapshot(file),
  },
  'probe:',
);

// An orphan (the runner died) exits instead of holding ports and connections.
process.on('disconnect', () => process.exit(0));
