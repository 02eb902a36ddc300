// Per-worker counters and a decision-time histogram; the primary sums them for
// /_tailor/health and renders Prometheus text for /_tailor/metrics.

export const BUCKETS_MS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100];

export function newStats() {
  return {
    counters: {
      requests_page: 0, requests_personalized: 0, requests_passthrough: 0,
      requests_events: 0, requests_admin: 0, requests_other: 0, requests_privacy: 0,
      fallbacks: 0, errors_origin: 0, events_accepted: 0, events_rejected: 0,
      events_forwarded: 0, profile_fetches: 0, profile_failures: 0, bundle_rejections: 0,
    },
    fallbackReasons: {},
    // where a personalized request's time goes, summed in microseconds
    timing: { n: 0, context_us: 0, crossing_us: 0, python_us: 0, join_n: 0, join_us: 0 },
    decision: { buckets: new Array(BUCKETS_MS.length).fill(0), count: 0, sumMs: 0 },
  };
}

export function observeDecision(stats, ms) {
  const d = stats.decision;
  d.count += 1;
  d.sumMs += ms;
  for (let i = 0; i < BUCKETS_MS.length; i++) if (ms <= BUCKETS_MS[i]) d.buckets[i] += 1;
}

export function countFallback(stats, reason) {
  stats.counters.fallbacks += 1;
  const key = String(reason).split(':')[0].slice(0, 60);
  stats.fallbackReasons[key] = (stats.fallbackReasons[key] || 0) + 1;
}

/** Sums the stats of several workers. */
export function mergeStats(list) {
  const out = newStats();
  for (const s of list) {
    if (!s) continue;
    for (const [k, v] of Object.entries(s.counters)) out.counters[k] = (out.counters[k] || 0) + v;
    for (const [k, v] of Object.entries(s.fallbackReasons)) {
      out.fallbackReasons[k] = (out.fallbackReasons[k] || 0) + v;
    }
    for (const [k, v] of Object.entries(s.timing || {})) out.timing[k] = (out.timing[k] || 0) + v;
    out.decision.count += s.decision.count;
    out.decision.sumMs += s.decision.sumMs;
    s.decision.buckets.forEach((v, i) => { out.decision.buckets[i] += v; });
  }
  return out;
}

const HELP = {
  requests_page: 'HTML page requests served',
  requests_personalized: 'page responses with a decision applied',
  requests_passthrough: 'requests proxied untouched (non-HTML or non-GET)',
  requests_events: 'event batches received',
  requests_admin: 'admin requests',
  requests_other: 'other /_tailor requests',
  requests_privacy: 'privacy requests (state, reset, opt-out, export, erase, consent)',
  fallbacks: 'pages served with defaults because reading, deciding or rendering failed',
  errors_origin: 'origin fetches that failed',
  events_accepted: 'events accepted',
  events_rejected: 'event batches rejected',
  events_forwarded: 'events queued for the origin',
  profile_fetches: 'profile fetches from the origin',
  profile_failures: 'profile fetches that failed or timed out',
  bundle_rejections: 'bundles rejected',
};

/** Prometheus text exposition of merged stats plus primary-side gauges. */
export function prometheus(merged, gauges) {
  const lines = [];
  for (const [k, v] of Object.entries(merged.counters)) {
    lines.push(`# HELP tailor_${k}_total ${HELP[k] || k}`, `# TYPE tailor_${k}_total counter`,
      `tailor_${k}_total ${v}`);
  }
  lines.push('# HELP tailor_fallback_reasons_total fallbacks by reason',
    '# TYPE tailor_fallback_reasons_total counter');
  for (const [k, v] of Object.entries(merged.fallbackReasons)) {
    lines.push(`tailor_fallback_reasons_total{reason="${k.replace(/["\\\n]/g, '_')}"} ${v}`);
  }
  const d = merged.decision;
  lines.push('# HELP tailor_decision_seconds time spent in the decision crossing',
    '# TYPE tailor_decision_seconds histogram');
  BUCKETS_MS.forEach((b, i) => {
    lines.push(`tailor_decision_seconds_bucket{le="${b / 1000}"} ${d.buckets[i]}`);
  });
  lines.push(`tailor_decision_seconds_bucket{le="+Inf"} ${d.count}`,
    `tailor_decision_seconds_sum ${d.sumMs / 1000}`, `tailor_decision_seconds_count ${d.count}`);
  for (const [name, { help, value, labels }] of Object.entries(gauges)) {
    lines.push(`# HELP tailor_${name} ${help}`, `# TYPE tailor_${name} gauge`);
    if (Array.isArray(value)) {
      for (const [lab, v] of value) lines.push(`tailor_${name}{${labels}="${lab}"} ${v}`);
    } else {
      lines.push(`tailor_${name} ${value}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** The public part of health when a metrics token guards the rest: enough for a load
 * balancer's readiness probe, nothing about pids, memory, traffic or failures. */
export function probe(health) {
  return { ok: health.ok, serving: health.serving, bundle_version: health.bundle_version,
    workers: health.workers.map((w) => ({ bundle_version: w.bundle_version, serving: w.serving })) };
}
