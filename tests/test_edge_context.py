"""edge/lib/context.mjs in real Node: cookies, device class, language, local time."""

from __future__ import annotations

from tests.edge_support import node_json


def test_cookies_only_tailors() -> None:
    out = node_json("context", """return m.readCookies(
        'a=1; tailor_s=abc.def; tailor_consent="granted"; euconsent-v2=CP%2Fx; tailor_tz=-300');""")
    assert out == {"tailor_s": "abc.def", "tailor_consent": "granted",
                   "euconsent-v2": "CP/x", "tailor_tz": "-300"}


def test_set_cookie_flags() -> None:
    out = node_json("context", """return [
        m.setCookie('tailor_s', 'v', {secure: false}), m.setCookie('tailor_s', 'v', {secure: true}),
        m.isSecure({socket: {}, headers: {'x-forwarded-proto': 'https, http'}}),
        m.isSecure({socket: {}, headers: {}})];""")
    assert out[0] == "tailor_s=v; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"
    assert out[1].endswith("; HttpOnly; Secure")
    assert out[2:] == [True, False]


def test_device_classes() -> None:
    out = node_json("context", """return [
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148',
        'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)',
        'Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36',
        'Mozilla/5.0 (Linux; Android 14; SM-X710) Safari/537.36',
        'Mozilla/5.0 (compatible; Googlebot/2.1)',
        'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0', ''].map(m.deviceClass);""")
    assert out == ["mobile", "tablet", "mobile", "tablet", "bot", "desktop", "desktop"]


def test_language_and_local_time() -> None:
    out = node_json("context", """return [
        m.language('fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5'), m.language('en;q=0.2, de;q=0.7'),
        m.language(''), m.localTime(Date.UTC(2026, 10, 23, 22, 30), 120),
        m.localTime(Date.UTC(2026, 10, 23, 2, 0), -300)];""")
    assert out[:3] == ["fr", "de", None]
    assert out[3] == {"local_hour": 0, "weekday": 1}  # Tue 00:30 in UTC+2
    assert out[4] == {"local_hour": 21, "weekday": 6}  # Sun 21:00 in UTC-5


def test_request_context_uses_headers_and_cookies() -> None:
    out = node_json("context", """
        const req = {socket: {}, headers: {'user-agent': 'Googlebot', 'x-country': 'de',
          'accept-language': 'de-DE', referer: 'https://search.example/?q=boots', 'sec-gpc': '1',
          cookie: 'tailor_consent=granted; euconsent-v2=TC'}};
        const url = new URL('http://e/products/x?color=red&color=blue');
        return m.readContext(req, url, {countryHeader: 'x-country'}, Date.UTC(2026, 0, 5, 11));""")
    assert out["path"] == "/products/x" and out["query"] == {"color": "red"}
    assert (out["device"], out["country"], out["language"]) == ("bot", "DE", "de")
    assert out["local_hour"] == 12  # Germany, no tz cookie: UTC+1
    assert out["consent"] == {"tcf": "TC", "gpc": True, "cookie": "granted"}
    assert out["cookies"] == {"tailor_s": None, "tailor_consent": "granted"}
