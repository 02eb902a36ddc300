// A worker's warm-up: decisions on synthetic visitors, run in short slices between real
// requests once the worker serves, so V8 tiers the hot wasm functions of the interpreter up
// (Liftoff → TurboFan) before visitors pay for it; until then decisions run slower, the very
// first ones many times slower (bench/edge.py reports it under `v8_tiering`).

import { performance } from 'node:perf_hooks';
import { readContext } from './context.mjs';

const SLICE_MS = 4;
const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/124', 'accept-language': 'en' };

/** Runs `n` decisions through `py` (a PyHost); resolves {decisions, ms}, or null. */
export async function warmUp(py, cfg, n) {
  const t0 = performance.now();
  let paths;
  let slots;
  try {
    ({ paths, slots } = JSON.parse(py.call('warmup_sample', 24)));
  } catch {
    return null;
  }
  if (!paths.length) return null;
  let cookie = null;
  let done = 0;
  while (done < n) {
    const slice = performance.now();
    while (done < n && performance.now() - slice < SLICE_MS) {
      const path = paths[done % paths.length];
      const consent = done % 3 === 0 ? '' : 'tailor_consent=granted; ';
      if (done % 24 === 0) cookie = null; // a new visitor now and then
      const req = { headers: { ...UA, cookie: consent + (cookie ? `tailor_s=${cookie}` : '') } };
      const ctx = readContext(req, new URL(path, 'http://edge.local'), cfg, Date.now());
      ctx.page_slots = slots;
      ctx.profile = null;
      const out = py.page(ctx, Math.floor(Date.now() / 1000), `warmup${done}`);
      if (out.error) return { decisions: done, ms: Math.round(performance.now() - t0), error: out.error };
      if (consent && typeof out.set_cookie === 'string' && out.set_cookie) cookie = out.set_cookie;
      done += 1;
    }
    await new Promise((resolve) => setImmediate(resolve)); // real requests go first
  }
  return { decisions: done, ms: Math.round(performance.now() - t0) };
}
