// V8's wasm tiering and the edge's decision time (run by bench/edge.py, once per V8 flag
// setting, in a fresh Node process): restores Pyodide from the artifact, installs the bench
// bundle, then decides pages back to back and reports the median decision time (through
// PyHost, as a worker calls it) per 250 ms window, from which the caller reads how long the
// tier-up takes and the steady state. argv: artifactDir payload.msgpack paths.json seconds.

import { readFileSync } from 'node:fs';
import { PyHost } from '../edge/lib/pyhost.mjs';
import { readContext } from '../edge/lib/context.mjs';

const [artifactDir, payloadFile, pathsJson, secondsArg] = process.argv.slice(2);
const T0 = performance.now();
const host = await PyHost.start({ artifactDir, useSnapshot: true, cookieKeyHex: '00'.repeat(32) });
const loadMs = performance.now() - T0;
const t1 = performance.now();
if (!host.prepare(readFileSync(payloadFile), 1).ok || !host.commit(1).ok) throw new Error('bundle');
const installMs = performance.now() - t1;
const paths = JSON.parse(pathsJson);

function ctx(path, cookie) {
  const req = { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/124',
    cookie: `tailor_consent=granted${cookie ? `; tailor_s=${cookie}` : ''}` } };
  const c = readContext(req, new URL(path, 'http://edge.local'), { countryHeader: 'x' }, Date.now());
  c.page_slots = ['hero', 'recs', 'promo'];
  c.profile = null;
  return c;
}

let cookie = null;
const firstStart = performance.now();
for (const p of paths.slice(0, 3)) {
  const out = host.page(ctx(p, cookie), Math.floor(Date.now() / 1000), 'first');
  if (out.error) throw new Error(out.error);
  cookie = out.set_cookie;
}
const first3 = (performance.now() - firstStart) / 3;
const windows = [];
const end = performance.now() + Number(secondsArg || 3) * 1000;
let i = 0;
while (performance.now() < end) {
  const w0 = performance.now();
  const xs = [];
  while (performance.now() - w0 < 250) {
    const a = performance.now();
    // every other request a returning visitor (the same warm cookie), else a new one
    const out = host.page(ctx(paths[i % paths.length], i % 2 ? cookie : null),
      Math.floor(Date.now() / 1000), `v${i}`);
    if (out.error) throw new Error(out.error);
    xs.push((performance.now() - a) * 1000);
    i += 1;
  }
  xs.sort((a, b) => a - b);
  windows.push(Math.round(xs[Math.floor(xs.length / 2)]));
}
process.stdout.write(JSON.stringify({ load_ms: Math.round(loadMs), install_ms: Math.round(installMs),
  first_decisions_ms: Math.round(first3 * 10) / 10, median_us_per_250ms: windows }));
process.exit(0);
