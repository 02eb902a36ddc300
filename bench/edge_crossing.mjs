// Where one JS↔Python crossing of the edge spends its time (run by bench/edge_crossing.py).
// Loads the artifact exactly as a worker does, installs the bench bundle, then times, in
// rounds interleaved so the machine's noise hits every variant alike:
//   full_json   the old crossing: JSON.stringify → glue.handle(str) → JSON.parse
//   full_*      the current PyHost crossing (what edge/lib/pyhost.mjs does now)
//   js_stringify / js_parse   the JS halves alone
//   py_loads / py_run / py_dumps   the Python halves alone (timed inside Python)
//   echo        a Python function taking the request string and returning the answer
//               string unchanged: the cost of moving the strings across, nothing else
// argv: artifactDir bundle.msgpack rounds perRound; prints JSON.

import { readFileSync } from 'node:fs';
import { PyHost, compactRequest, parseAnswer } from '../edge/lib/pyhost.mjs';
import { readContext } from '../edge/lib/context.mjs';

const [artifactDir, bundleFile, roundsArg, perRoundArg] = process.argv.slice(2);
const rounds = Number(roundsArg || 15);
const perRound = Number(perRoundArg || 200);
const host = await PyHost.start({ artifactDir, useSnapshot: true, cookieKeyHex: '00'.repeat(32) });
const payload = readFileSync(bundleFile);
if (!host.prepare(payload, 1).ok || !host.commit(1).ok) throw new Error('bundle rejected');

function request(path, cookie) {
  const req = { headers: { cookie: `tailor_consent=granted${cookie ? `; tailor_s=${cookie}` : ''}`,
    'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/124', 'accept-language': 'en-US,en;q=0.9',
    referer: 'https://www.example.com/' } };
  const ctx = readContext(req, new URL(path, 'http://edge.local'), { countryHeader: 'cf-ipcountry' },
    Date.now());
  ctx.page_slots = ['hero', 'recs', 'promo'];
  ctx.profile = null;
  return ctx;
}

const paths = JSON.parse(process.argv[6] || '["/products/item-0001"]');
let cookie = null;
for (const p of paths) {
  const out = host.handle({ op: 'page', request: request(p, cookie), now: Math.floor(Date.now() / 1000),
    fresh_id: 'bench' });
  if (out.error) throw new Error(out.error);
  cookie = out.set_cookie;
}
const msg = { op: 'page', request: request(paths[0], cookie), now: Math.floor(Date.now() / 1000),
  fresh_id: 'bench' };
const py = host.pyodide;
const glue = host.glue;
const inStr = JSON.stringify(msg);
const outStr = glue.handle(inStr);
py.globals.set('_bench_in', inStr);
py.globals.set('_bench_out', outStr);
py.globals.set('_bench_wire', compactRequest(msg.request, msg.now, msg.fresh_id, false));
py.runPython(`
import json, time
from edge import glue as _g
def _bench_py(n):
    m = json.loads(_bench_in)
    t0 = time.perf_counter()
    for _ in range(n): json.loads(_bench_in)
    t1 = time.perf_counter()
    for _ in range(n): out = _g._run(m)
    t2 = time.perf_counter()
    for _ in range(n): json.dumps(out, separators=(",", ":"), default=str)
    t3 = time.perf_counter()
    for _ in range(n): _g._compact_message(_bench_wire)
    t4 = time.perf_counter()
    for _ in range(n): _g._compact_answer(dict(out))
    t5 = time.perf_counter()
    return json.dumps([(t - u) / n * 1e6 for t, u in ((t1, t0), (t2, t1), (t3, t2), (t4, t3), (t5, t4))])
def _bench_echo(s):
    return _bench_out
_inside = [0.0]
def _bench_handle(s):
    t0 = time.perf_counter()
    out = _g.handle(s)
    _inside[0] += time.perf_counter() - t0
    return out
def _bench_inside():
    v = _inside[0]
    _inside[0] = 0.0
    return v * 1e6
`);
const benchPy = py.globals.get('_bench_py');
const echo = py.globals.get('_bench_echo');
const handleTimed = py.globals.get('_bench_handle');
const inside = py.globals.get('_bench_inside');

function timeit(fn) {
  const t0 = performance.now();
  for (let i = 0; i < perRound; i++) fn();
  return (performance.now() - t0) * 1000 / perRound;
}

const variants = {
  full_json: () => JSON.parse(glue.handle(JSON.stringify(msg))),
  full_current: () => host.page(msg.request, msg.now, msg.fresh_id, false),
  js_stringify: () => JSON.stringify(msg),
  js_parse: () => JSON.parse(outStr),
  echo: () => echo(inStr),
  full_timed: () => JSON.parse(handleTimed(JSON.stringify(msg))),
};
const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
const pySamples = { py_loads: [], py_run: [], py_dumps: [], py_inside_handle: [],
  py_compact_parse: [], py_compact_answer: [] };
for (let r = 0; r < rounds + 2; r++) {
  for (const [name, fn] of Object.entries(variants)) {
    const us = timeit(fn);
    if (r >= 2) samples[name].push(us); // two warm-up rounds
    const spent = inside() / perRound;
    if (name === 'full_timed' && r >= 2) pySamples.py_inside_handle.push(spent);
  }
  const [l, run, d, cm, ca] = JSON.parse(benchPy(perRound));
  if (r >= 2) {
    pySamples.py_loads.push(l); pySamples.py_run.push(run); pySamples.py_dumps.push(d);
    pySamples.py_compact_parse.push(cm); pySamples.py_compact_answer.push(ca);
  }
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const result = {};
for (const [k, xs] of Object.entries({ ...samples, ...pySamples })) result[k] = Math.round(median(xs) * 10) / 10;
result.request_bytes = Buffer.byteLength(inStr);
result.answer_bytes = Buffer.byteLength(outStr);
const wire = compactRequest(msg.request, msg.now, msg.fresh_id, false);
result.compact_request_bytes = Buffer.byteLength(wire);
result.compact_answer_bytes = Buffer.byteLength(glue.handle_compact(wire));
const canon = (o) => JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]));
const viaJson = JSON.parse(outStr);
viaJson.slots = Object.fromEntries(Object.entries(viaJson.slots).filter(([, v]) => v !== null));
delete viaJson.py_us;
const viaCompact = parseAnswer(glue.handle_compact(wire));
delete viaCompact.py_us;
const same = canon(viaCompact) === canon(viaJson);
result.compact_answer_matches_json = same;
process.stdout.write(JSON.stringify(result));
process.exit(0);
