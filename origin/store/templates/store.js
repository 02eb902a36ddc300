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
      setConsent(v);
      b.hidden = true;
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

  function post(path) {
    return fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' },
      body: '{}' }).then(function (r) { return r.json(); });
  }

  function privacy() {
    var box = $('#privacy-summary');
    if (!box) return;
    function show() {
      return post('/privacy/summary').then(function (s) {
        box.innerHTML = s.html;
        box.setAttribute('data-state', s.has_state ? 'present' : 'empty');
        box.setAttribute('data-visitor', s.visitor || '');
        box.setAttribute('data-segments', (s.segments || []).join(','));
      });
    }
    var consentNow = $('#privacy-consent');
    if (consentNow) consentNow.textContent = cookie('tailor_consent') || 'not chosen yet';
    show();
    function done(text) { var o = $('#privacy-result'); o.textContent = text; o.hidden = false; }
    d.addEventListener('click', function (ev) {
      var a = ev.target.getAttribute && ev.target.getAttribute('data-privacy');
      if (!a) return;
      if (a === 'optout') {
        setConsent('denied');
        post('/privacy/reset').then(function () { done('You are opted out. Nothing is tracked from now on.'); show(); });
      } else if (a === 'reset') {
        post('/privacy/reset').then(function () { done('Personalization reset: your cookie was cleared.'); show(); });
      } else if (a === 'export') {
        post('/privacy/export').then(function (j) {
          var pre = $('#privacy-export'); pre.textContent = JSON.stringify(j, null, 2); pre.hidden = false;
          done('Export ready: ' + (j.events ? j.events.length : 0) + ' events held at the origin.');
        });
      } else if (a === 'erase') {
        post('/privacy/erase').then(function (j) {
          done(j.erased ? 'Erased at the origin: ' + JSON.stringify(j.deleted) : (j.error || 'Nothing to erase.'));
          show();
        });
      }
    });
  }

  function start() { count(); banner(); cartButtons(); renderCart(); checkout(); privacy(); }
  if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', start); else start();
})(window, document);
