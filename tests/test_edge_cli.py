"""`tailor edge` argument handling (edge/cli.py); the process itself runs in the other tests."""

from __future__ import annotations

import pytest

from edge import cli


def test_config_carries_every_option() -> None:
    args = cli.parser().parse_args([
        "--origin", "http://127.0.0.1:9000", "--port", "9999", "--data", "/tmp/x",
        "--public-key", "AAAA", "--admin-token", "t", "--workers", "3", "--cookie-key", "k",
        "--cache-mb", "2", "--no-snapshot", "--country-header", "X-Geo"])
    cfg = cli.config(args)
    assert cfg["origin"] == "http://127.0.0.1:9000" and cfg["port"] == 9999
    assert cfg["workers"] == 3 and cfg["cacheBytes"] == 2 * 1024 * 1024
    assert cfg["useSnapshot"] is False and cfg["countryHeader"] == "X-Geo"
    assert cfg["adminToken"] == "t" and cfg["cookieKey"] == "k" and cfg["publicKey"] == "AAAA"
    assert cfg["debugHooks"] is False and cfg["profileTimeoutMs"] == 50


def test_origin_is_required_and_workers_positive() -> None:
    with pytest.raises(SystemExit):
        cli.parser().parse_args([])
    with pytest.raises(SystemExit):
        cli.config(cli.parser().parse_args(["--origin", "http://x", "--workers", "0"]))


def test_help_mentions_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "tailor edge" in capsys.readouterr().out


def test_extra_ca_certificates_reach_node_only_for_an_https_origin() -> None:
    environ = {"NODE_EXTRA_CA_CERTS": "/etc/ssl/private-ca.pem", "HOME": "/home/edge"}
    plain = cli.node_env(cli.parser().parse_args(["--origin", "http://origin:8000"]), environ)
    assert "NODE_EXTRA_CA_CERTS" not in plain and plain["HOME"] == "/home/edge"
    assert '"origin": "http://origin:8000"' in plain["TAILOR_EDGE_CONFIG"]
    tls = cli.node_env(cli.parser().parse_args(["--origin", "https://origin"]), environ)
    assert tls["NODE_EXTRA_CA_CERTS"] == "/etc/ssl/private-ca.pem"
    assert environ["NODE_EXTRA_CA_CERTS"] == "/etc/ssl/private-ca.pem"  # ours is untouched
