/* Tailor tracking snippet: behaviour events to the edge with sendBeacon.
   Mark elements with data-tailor-item="ID" (clicks, hovers), data-tailor-event="add_to_cart|
   remove_from_cart|purchase|search|view" (+ data-tailor-value), data-tailor-page-item on the
   page's main item (dwell, scroll). API: tailor.track(type, {item, value, query}). */
(function (w, d, nav) {
  if (w.tailor && w.tailor.track) return;
  var U = '/_tailor/events', q = [], n = 0, loc = w.location, seen = {}, t0 = Date.now(), depth = 0;
  /* Nothing is sent after an opt-out (tailor_consent=denied), nor under Global Privacy
     Control unless this site has an explicit choice from the visitor (as the edge decides). */
  function off() {
    var m = d.cookie.match(/(?:^|;\s*)tailor_consent=([^;]*)/), c = m && decodeURIComponent(m[1]);
    return c === 'denied' || (!c && nav.globalPrivacyControl === true);
  }
  d.cookie = 'tailor_tz=' + -new Date().getTimezoneOffset() + ';path=/;max-age=31536000;samesite=lax';
  function id() { return (t0 % 1e9).toString(36) + Math.random().toString(36).slice(2, 10) + (n++); }
  function track(type, o) {
    if (off()) return;
    o = o || {};
    q.push({ id: id(), type: type, ts: Date.now(), item: o.item || null,
      value: o.value == null ? null : +o.value, query: o.query || null, path: loc.pathname });
    if (q.length >= 20) flush();
  }
  function flush() {
    if (off()) q.length = 0;
    if (!q.length) return;
    var body = JSON.stringify({ events: q.splice(0, 50) });
    if (!(nav.sendBeacon && nav.sendBeacon(U, new Blob([body], { type: 'text/plain' })))) {
      try { fetch(U, { method: 'POST', body: body, keepalive: true, credentials: 'same-origin',
        headers: { 'content-type': 'text/plain' } }); } catch (e) { }
    }
  }
  function el(t, a) { return t && t.closest ? t.closest('[' + a + ']') : null; }
  function attr(e, a) { return e && e.getAttribute(a); }
  function pageItem() { return attr(d.querySelector('[data-tailor-page-item]'), 'data-tailor-page-item'); }
  d.addEventListener('click', function (ev) {
    var e = el(ev.target, 'data-tailor-event'), i = el(ev.target, 'data-tailor-item');
    var item = attr(e, 'data-tailor-item') || attr(i, 'data-tailor-item') || pageItem();
    var type = attr(e, 'data-tailor-event');
    if (type && type !== 'search' && type !== 'view') track(type, { item: item, value: attr(e, 'data-tailor-value') });
    else if (i) track('click', { item: item });
  }, true);
  d.addEventListener('mouseover', function (ev) {
    var i = el(ev.target, 'data-tailor-item'), item = attr(i, 'data-tailor-item');
    if (!item || seen['h' + item]) return;
    var timer = setTimeout(function () { seen['h' + item] = 1; track('hover', { item: item }); }, 500);
    i.addEventListener('mouseleave', function () { clearTimeout(timer); }, { once: true });
  });
  d.addEventListener('submit', function (ev) {
    var f = ev.target, s = f.querySelector('input[type=search],input[name=q]');
    if (s && (attr(f, 'data-tailor-event') === 'search' || s.type === 'search' || s.name === 'q')) {
      track('search', { query: String(s.value).slice(0, 200) });
      flush();
    }
  }, true);
  w.addEventListener('scroll', function () {
    var h = d.documentElement, max = h.scrollHeight - h.clientHeight;
    if (max > 0) depth = Math.max(depth, Math.min(100, Math.round(100 * h.scrollTop / max)));
  }, { passive: true });
  if (w.IntersectionObserver) {
    var io = new IntersectionObserver(function (es) {
      es.forEach(function (x) {
        if (!x.isIntersecting) return;
        io.unobserve(x.target);
        track('view', { item: attr(x.target, 'data-tailor-item') });
      });
    }, { threshold: 0.5 });
    d.querySelectorAll('[data-tailor-event=view][data-tailor-item]').forEach(function (e) { io.observe(e); });
  }
  function leave() {
    var item = pageItem();
    if (!seen.left) {
      seen.left = 1;
      track('dwell', { item: item, value: Math.round((Date.now() - t0) / 1000) });
      if (depth) track('scroll', { item: item, value: depth });
    }
    flush();
  }
  d.addEventListener('visibilitychange', function () { if (d.visibilityState === 'hidden') leave(); });
  w.addEventListener('pagehide', leave);
  setInterval(flush, 5000);
  w.tailor = { track: track, flush: flush };
})(window, document, navigator);
