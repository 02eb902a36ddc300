// An open-loop, paced load generator for latency at a given rate (wrk2's method).
//
// autocannon's `overallRate` gives every connection a per-second quota that it spends
// back-to-back at the start of each second, so "80 % of peak" arrives as bursts at full
// speed followed by idle time, and its latency is the saturated latency. Here request i is
// due at start + i / rate whatever happened before it, and its latency is measured from
// that due time (not from when a socket was free), so queueing behind slow responses is
// counted instead of hidden (no coordinated omission).
//
//   node bench/paced_load.mjs '{"url": "http://127.0.0.1:8787", "rate": 1000,
//     "duration": 8, "connections": 50, "requests": [{"path": "/", "headers": {}}]}'
//
// Prints one JSON object: sent, completed, errors, achieved rate, latency p50/p90/p99/max
// in milliseconds, and the generator's own send lag (how late after its due time each
// request left, p99/max): the lag is part of the latency, as it must be for an open loop,
// but when it is large the tail is the generator's (its event loop stalled, or the machine
// gave its CPU to the server under test), not the server's.

import http from 'node:http';
import { performance } from 'node:perf_hooks';

const opts = JSON.parse(process.argv[2]);
const target = new URL(opts.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections ?? 50 });
const requests = opts.requests?.length ? opts.requests : [{ path: '/', headers: {} }];
const interval = 1000 / opts.rate;
const total = Math.max(1, Math.round(opts.rate * opts.duration));
const latencies = [];
const lags = [];
let errors = 0;
let statusErrors = 0;
let completed = 0;
let sent = 0;

function fire(index, due) {
  const spec = requests[index % requests.length];
  const req = http.request({
    host: target.hostname, port: target.port, path: spec.path, method: spec.method ?? 'GET',
    headers: spec.headers ?? {}, agent,
  }, (res) => {
    res.on('data', () => {});
    res.on('end', () => {
      latencies.push(performance.now() - due);
      if (res.statusCode >= 400) statusErrors += 1;
      completed += 1;
      finish();
    });
  });
  req.on('error', () => { errors += 1; completed += 1; finish(); });
  req.end();
}

const start = performance.now() + 20;
function tick() {
  const now = performance.now();
  while (sent < total && start + sent * interval <= now) {
    lags.push(now - (start + sent * interval));
    fire(sent, start + sent * interval);
    sent += 1;
  }
  if (sent < total) setTimeout(tick, Math.max(0, Math.min(1, start + sent * interval - now)));
}
setTimeout(tick, 20);

function percentile(sorted, q) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

function finish() {
  if (completed < total) return;
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  const round = (v) => (v === null ? null : Math.round(v * 100) / 100);
  process.stdout.write(JSON.stringify({
    offered_rps: opts.rate, sent, completed, errors, status_errors: statusErrors,
    achieved_rps: Math.round(completed / elapsed), p50_ms: round(percentile(latencies, 0.5)),
    p90_ms: round(percentile(latencies, 0.9)), p99_ms: round(percentile(latencies, 0.99)),
    max_ms: round(latencies[latencies.length - 1] ?? null),
    send_lag_p99_ms: round(percentile(lags, 0.99)), send_lag_max_ms: round(lags[lags.length - 1] ?? null),
  }) + '\n');
  agent.destroy();
}
