// Start-up stage timings on stderr when TAILOR_EDGE_TRACE=1: ms since this process started,
// and the wall clock, so the primary's and the workers' lines can be put on one timeline.

import { performance } from 'node:perf_hooks';

export const TRACE = process.env.TAILOR_EDGE_TRACE === '1';

export function trace(who, stage) {
  if (TRACE) {
    process.stderr.write(`[edge ${who}] ${stage} ${performance.now().toFixed(1)} ` +
      `at ${(performance.timeOrigin + performance.now()).toFixed(0)}\n`);
  }
}
