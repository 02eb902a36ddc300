"""The admin dashboard: one self-contained HTML page (no external assets). The reports it
was served with are embedded as JSON; its small script draws them and refreshes them from
the JSON report routes with the admin token (from `?token=`, kept in sessionStorage and
dropped from the address bar, or asked for with a prompt when a call answers 401)."""

from __future__ import annotations

import json
from typing import Any

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tailor dashboard</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d2329;background:#fafbfc}
h1{font-size:1.3rem;margin:0 0 .2rem}h2{font-size:1.05rem;margin:1.6rem 0 .4rem}
table{border-collapse:collapse;background:#fff;margin:.3rem 0 1rem;min-width:30rem}
th,td{border:1px solid #d8dee4;padding:.25rem .55rem;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{background:#f0f3f6}
.muted{color:#6a737d}.good{color:#1a7f37}.bad{color:#cf222e}.big{font-size:1.3rem}
button{font:inherit;padding:.2rem .8rem}
</style></head>
<body>
<h1>Tailor dashboard</h1>
<p class="muted"><span id="meta"></span> <button id="refresh" type="button">Refresh</button></p>
<h2>Personalization ROI</h2><div id="roi"></div>
<h2>Experiments</h2><div id="experiments"></div>
<h2>Edges</h2><div id="edges"></div>
<h2>Top blocks</h2><div id="blocks"></div>
<h2>Top rules</h2><div id="rules"></div>
<script type="application/json" id="initial">__DATA__</script>
<script>
(function () {
  'use strict';
  var d = document, KEY = 'tailor_admin_token';
  var q = new URLSearchParams(location.search);
  if (q.get('token')) {
    sessionStorage.setItem(KEY, q.get('token'));
    q.delete('token');
    history.replaceState(null, '', location.pathname + (q.toString() ? '?' + q : ''));
  }
  function $(id) { return d.getElementById(id); }
  function pct(x) { return x == null ? 'n/a' : (100 * x).toFixed(1) + '%'; }
  function num(x, n) { return x == null ? 'n/a' : Number(x).toPrecision(n || 3); }
  function money(x) { return x == null ? 'n/a' : Number(x).toFixed(2); }
  function ci(c) { return c ? '[' + pct(c[0]) + ', ' + pct(c[1]) + ']' : 'n/a'; }
  function when(t) { return t ? new Date(t * 1000).toISOString().replace('.000Z', 'Z') : 'never'; }
  function cell(tag, text, cls) {
    var e = d.createElement(tag); e.textContent = text; if (cls) e.className = cls; return e;
  }
  function table(head, rows) {
    var t = d.createElement('table'), tr = d.createElement('tr');
    head.forEach(function (h) { tr.appendChild(cell('th', h)); });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var row = d.createElement('tr');
      r.forEach(function (c) {
        row.appendChild(Array.isArray(c) ? cell('td', c[0], c[1]) : cell('td', String(c)));
      });
      t.appendChild(row);
    });
    return t;
  }
  function put(id, node) { var e = $(id); e.textContent = ''; e.appendChild(node); }
  function signed(x, p) {
    if (x == null) return ['n/a'];
    return [pct(x), p != null && p < 0.05 ? (x > 0 ? 'good' : 'bad') : ''];
  }
  function draw(s) {
    var lb = s.latest_bundle == null ? 'none' : 'v' + s.latest_bundle;
    $('meta').textContent = 'latest bundle ' + lb + ' · attribution window ' +
      s.experiments.window_days + ' days · goal ' + s.experiments.goal;
    var r = s.roi, g = r.groups, l = r.personalization_lift;
    var box = d.createElement('div');
    box.appendChild(cell('p', r.holdout ? 'Personalization lift ' + pct(l.lift) + ' (p = ' +
      num(l.p_value) + '), incremental revenue ' + money(l.incremental_revenue) :
      'No global holdout configured: personalization lift cannot be measured.', 'big'));
    box.appendChild(table(['group', 'visitors', 'converted', 'rate', '95% CI', 'revenue/visitor'],
      ['holdout', 'personalized', 'exposed'].map(function (k) {
        var x = g[k];
        return [k, x.visitors, x.converted, pct(x.rate), ci(x.ci), money(x.revenue_per_visitor)];
      })));
    put('roi', box);
    var ex = d.createElement('div');
    if (!s.experiments.experiments.length) ex.appendChild(cell('p', 'No experiments.', 'muted'));
    s.experiments.experiments.forEach(function (e) {
      var layer = e.layer ? ', layer ' + e.layer : '';
      ex.appendChild(cell('h3', e.id + ' (' + e.kind + layer + ')'));
      ex.appendChild(table(['variation', 'visitors', 'converted', 'rate', '95% CI', 'lift', 'p',
        'revenue', 'arm'], e.variations.map(function (v) {
          return [v.id + (v.control ? ' (control)' : ''), v.visitors, v.converted, pct(v.rate),
            ci(v.ci), v.control ? '' : signed(v.lift, v.p_value), v.control ? '' : num(v.p_value),
            money(v.revenue), v.arm ? 'Beta(' + v.arm.alpha + ', ' + v.arm.beta + ')' : ''];
        })));
    });
    put('experiments', ex);
    put('edges', s.edges.length ? table(['edge', 'bundle', 'ok', 'last push'],
      s.edges.map(function (e) {
        var behind = s.latest_bundle != null && e.version !== s.latest_bundle;
        return [e.url, [e.version == null ? 'none' : 'v' + e.version, behind ? 'bad' : 'good'],
          e.ok == null ? 'n/a' : String(e.ok), when(e.last_push_at)];
      })) : cell('p', 'No edges registered.', 'muted'));
    ['blocks', 'rules'].forEach(function (k) {
      var rows = s.blocks[k] || [];
      put(k, rows.length ? table([k === 'blocks' ? 'block' : 'rule', 'exposures', 'visitors',
        'clicks', 'CTR', 'converted', 'conversion'], rows.map(function (b) {
          return [b.id, b.exposures, b.visitors, b.clicks, pct(b.ctr), b.converted,
            pct(b.conversion_rate)];
        })) : cell('p', 'No exposures recorded.', 'muted'));
    });
  }
  function get(path) {
    var token = sessionStorage.getItem(KEY) || '';
    return fetch(path, { headers: { Authorization: 'Bearer ' + token } }).then(function (r) {
      if (r.status === 401) {
        var t = prompt('Admin token');
        if (!t) throw new Error('admin token required');
        sessionStorage.setItem(KEY, t);
        return get(path);
      }
      if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
      return r.json();
    });
  }
  function refresh() {
    var qs = location.search;
    Promise.all([get('/admin/edges'), get('/admin/reports/experiments' + qs),
      get('/admin/reports/roi' + qs),
      get('/admin/reports/blocks' + (qs ? qs + '&' : '?') + 'limit=20'),
      get('/admin/bundles')])
      .then(function (a) {
        var v = a[4].bundles.length ? a[4].bundles[a[4].bundles.length - 1].version : null;
        draw({ edges: a[0].edges, experiments: a[1], roi: a[2], blocks: a[3], latest_bundle: v });
      })
      .catch(function (err) { $('meta').textContent = String(err); });
  }
  $('refresh').addEventListener('click', refresh);
  draw(JSON.parse($('initial').textContent));
})();
</script>
</body></html>
"""


def embed(data: Any) -> str:
    """JSON safe inside a <script> element: no "</script>" or "<!--" can close it."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(data: dict[str, Any]) -> str:
    """The page with `data` ({edges, latest_bundle, experiments, roi, blocks}) embedded."""
    return PAGE.replace("__DATA__", embed(data))
