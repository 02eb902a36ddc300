"""`tailor demo` plumbing that needs no running system (the journeys start the real one)."""

from __future__ import annotations

from pathlib import Path

from origin.cli import main as tailor
from origin.demo import DemoStack, parser


def test_defaults_match_the_readme() -> None:
    args = parser().parse_args([])
    assert (args.origin_port, args.edge_port, args.check) == (8000, 8787, False)
    assert args.data.endswith(".data/demo")


def test_stack_keeps_its_secrets_on_disk_and_out_of_argv(tmp_path: Path) -> None:
    stack = DemoStack(tmp_path, 18001, 18002, progress=False)
    again = DemoStack(tmp_path, 18001, 18002, progress=False)
    assert stack.edge_admin_token == again.edge_admin_token
    command = " ".join(stack.edge_command())
    assert stack.edge_admin_token not in command and "cookie" not in command
    assert "--origin http://127.0.0.1:18001" in command and "--port 18002" in command
    urls = stack.urls()
    assert urls["store"] == "http://127.0.0.1:18002/"
    assert urls["privacy page"].endswith("/privacy")
    assert urls["dashboard"].startswith("http://127.0.0.1:18001/admin/dashboard")
    assert all(stack.config.admin_token not in url for url in urls.values())


def test_tailor_demo_help(capsys: object) -> None:
    try:
        tailor(["demo", "--help"])
    except SystemExit as exc:
        assert exc.code == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "--check" in out and "--data" in out


def test_a_busy_port_stops_the_demo_before_anything_starts(tmp_path: Path) -> None:
    import socket

    import pytest

    from origin.demo import port_free

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert not port_free(port)
        stack = DemoStack(tmp_path, origin_port=port, progress=False)
        with pytest.raises(SystemExit, match=f"port {port} is in use"):
            stack.start()
        assert stack.server is None and stack.edge is None


def test_a_port_left_in_time_wait_by_a_stopped_demo_is_free() -> None:
    import socket

    from origin.demo import port_free

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio and Node bind
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listener.accept()
    accepted.close()  # the server side closes first: its end waits in TIME_WAIT
    listener.close()
    client.close()
    assert port_free(port)
