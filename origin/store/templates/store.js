/* Trailhead Outfitters page script: consent banner, cart in localStorage, checkout and the
   privacy page's buttons. Behaviour events go through the Tailor snippet (window.tailor). */
(function (w, d) {
  var CART = 'trailhead_cart', YEAR = 31536000;
  function $(s) { return d.querySelector(s); }
  function cookie(name) {
    var m = d.cookie.match(new RegExp('(?:^|;\\s*)' + name + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : null;
  }
  function setConsent(value) {
    d.cookie = 'tailor_consent=' + value + ';path=/;max-age=' + YEAR + ';samesite=lax';
  }
  function cart() { try { return JSON.parse(localStorage.getItem(CART) || '[]'); } catch (e) { return []; } }
  function saveCart(c) { localStorage.setItem(CART, JSON.stringify(c)); count(); }
  function count() { var e = $('#cart-count'); if (e) e.textContent = String(cart().length); }
  function send() { if (w.tailor && w.tailor.flush) w.tailor.flush(); }
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function items(ids) {
    if (!ids.length) return Promise.resolve([]);
    return fetch('/api/items?ids=' + encodeURIComponent(ids.join(','))).then(function (r) { return r.json(); })
      .then(function (j) { return j.items; });
  }

  function banner() {
    var b = $('#consent-banner');
    if (!b) return;
    if (!cookie('tailor_consent')) b.hidden = false;
    b.addEventListener('click', function (ev) {
      var v = ev.target.getAttribute && ev.target.getAttribute('data-consent');
      if (!v) return;
      b.hidden = true;
      /* the edge sets the cookie and records the choice at the origin; if it cannot, the
         choice still holds in this browser */
      post('/_tailor/consent', { consent: v }).then(function (j) { if (!j.ok) setConsent(v); },
        function () { setConsent(v); });
    });
    var open = $('#consent-open');
    if (open) open.addEventListener('click', function (ev) { ev.preventDefault(); b.hidden = false; });
  }

  function cartButtons() {
    d.addEventListener('click', function (ev) {
      var add = ev.target.closest && ev.target.closest('[data-add-to-cart]');
      if (add) {
        var c = cart(), id = add.getAttribute('data-tailor-item');
        if (c.indexOf(id) < 0) c.push(id);
        saveCart(c);
        var msg = $('#added'); if (msg) msg.hidden = false;
        send();
      }
      var rm = ev.target.closest && ev.target.closest('[data-remove-from-cart]');
      if (rm) {
        saveCart(cart().filter(function (x) { return x !== rm.getAttribute('data-tailor-item'); }));
        send();
        renderCart();
      }
    });
  }

  function renderCart() {
    var list = $('#cart-items');
    if (!list) return;
    items(cart()).then(function (its) {
      var total = 0;
      list.innerHTML = its.map(function (it) {
        total += it.price_cents;
        return '<li class="cart-line" data-cart-item="' + esc(it.id) + '"><a href="' + esc(it.url) + '">' +
          esc(it.title) + '</a> <span class="price">' + esc(it.price) + '</span> <button type="button" ' +
          'data-remove-from-cart data-tailor-event="remove_from_cart" data-tailor-item="' + esc(it.id) +
          '">Remove</button></li>';
      }).join('') || '<li class="empty">Your cart is empty.</li>';
      var t = $('#cart-total'); if (t) t.textContent = '$' + (total / 100).toFixed(2);
    });
  }

  function checkout() {
    var f = $('#checkout-form');
    if (!f) return;
    f.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var c = cart();
      items(c).then(function (its) {
        its.forEach(function (it) {
          if (w.tailor) w.tailor.track('purchase', { item: it.id, value: it.price_cents / 100 });
        });
        send();
        saveCart([]);
        f.hidden = true;
        var done = $('#order-done'); if (done) done.hidden = false;
      });
    });
  }

  function post(path, body) {
    return fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body || {}) }).then(function (r) { return r.json(); });
  }

  /* The privacy page asks the edge, the only one able to verify the state cookie. */
  var CONSENT_WORDS = {
    granted: 'You allowed personalization.',
    denied: 'You opted out: nothing about your visits is kept or sent.'
  };
  function li(t) { return '<li>' + esc(t) + '</li>'; }
  function titles(list) { return list.map(function (x) { return x.title; }).join(', '); }
  function describe(s, words) {
    var parts = ['<p class="consent-state">' + esc(CONSENT_WORDS[s.consent] || (s.consent ?
      'Your choice: ' + s.consent : 'You have not chosen yet: the shop is tailored only to the page, ' +
      'your device and the time of day.')) + '</p>'];
    if (!s.has_state) {
      parts.push('<p class="no-state">This browser holds no personalization cookie from us, ' +
        'and nothing about this browser is stored at our origin.</p>');
      return parts.join('');
    }
    var lines = ['Visitor id (random, set by us): ' + s.visitor,
      'Visits: ' + s.visit_count + '; pages in this visit: ' + s.session_pages];
    var cats = (s.interests || []).filter(function (i) { return i.kind === 'category'; });
    if (cats.length) lines.push('Interests (fading over days): ' + cats.map(function (i) {
      return i.name + ' (' + i.value.toFixed(1) + ')'; }).join(', '));
    if (s.recent_items && s.recent_items.length) lines.push('Recently viewed: ' + titles(s.recent_items.slice(0, 6)));
    if (s.cart && s.cart.length) lines.push('In your cart: ' + titles(s.cart));
    if (s.purchases) lines.push('Purchases remembered: ' + s.purchases);
    Object.keys(s.assignments || {}).forEach(function (e) {
      lines.push('Experiment ' + e + ': you see variation ' + s.assignments[e]); });
    Object.keys(s.exposures_last_day || {}).forEach(function (b) {
      lines.push('Shown ' + b.replace(/_/g, ' ') + ' ' + s.exposures_last_day[b] + ' time(s) in the last day'); });
    var seg = (s.segments || []).map(function (g) { return words[g] || g + ': a group found by clustering past visits.'; });
    parts.push('<ul class="facts">' + lines.map(li).join('') + '</ul>');
    parts.push('<h3>Segments</h3>' + (seg.length ? '<ul class="segments">' + seg.map(li).join('') + '</ul>'
      : '<p>You are in no segment.</p>'));
    return parts.join('');
  }

  function privacy() {
    var box = $('#privacy-summary');
    if (!box) return;
    var words = {};
    try { words = JSON.parse($('#segment-words').textContent); } catch (e) { }
    var consentNow = $('#privacy-consent');
    function show() {
      if (consentNow) consentNow.textContent = cookie('tailor_consent') || 'not chosen yet';
      return fetch('/_tailor/state', { credentials: 'same-origin' }).then(function (r) { return r.json(); })
        .then(function (s) {
          box.innerHTML = s.ok ? describe(s, words) : esc(s.error || 'The edge could not read your state.');
          box.setAttribute('data-state', s.has_state ? 'present' : 'empty');
          box.setAttribute('data-visitor', s.visitor || '');
          box.setAttribute('data-segments', (s.segments || []).join(','));
        });
    }
    show();
    function done(text) { var o = $('#privacy-result'); o.textContent = text; o.hidden = false; }
    d.addEventListener('click', function (ev) {
      var a = ev.target.getAttribute && ev.target.getAttribute('data-privacy');
      if (!a) return;
      if (a === 'optout') {
        post('/_tailor/privacy/optout').then(function () { done('You are opted out. Nothing is tracked from now on.'); show(); });
      } else if (a === 'reset') {
        post('/_tailor/privacy/reset').then(function () { done('Personalization reset: your cookie was cleared.'); show(); });
      } else if (a === 'export') {
        post('/_tailor/privacy/export').then(function (j) {
          var pre = $('#privacy-export'); pre.textContent = JSON.stringify(j, null, 2); pre.hidden = false;
          done('Export ready: ' + (j.events ? j.events.length : 0) + ' events held at the origin.');
        });
      } else if (a === 'erase') {
        post('/_tailor/privacy/erase').then(function (j) {
          done(j.erased ? 'Erased at the origin: ' + JSON.stringify(j.deleted) : (j.error || 'Nothing to erase.'));
          show();
        });
      }
    });
  }

  function start() { count(); banner(); cartButtons(); renderCart(); checkout(); privacy(); }
  if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', start); else start();
})(window, document);
