"""Log records become one JSON object per line with extra fields kept."""

from __future__ import annotations

import json
import logging

from origin.logging import JsonFormatter, uvicorn_log_config


def test_json_formatter_keeps_extra_fields_and_exceptions() -> None:
    record = logging.makeLogRecord({"name": "tailor.x", "levelname": "INFO", "msg": "hi %s",
                                    "args": ("there",), "status": 202})
    entry = json.loads(JsonFormatter().format(record))
    assert entry["msg"] == "hi there" and entry["status"] == 202 and entry["level"] == "info"
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert "ValueError: boom" in json.loads(JsonFormatter().format(record))["exc"]


def test_uvicorn_config_is_valid_dict_config() -> None:
    import logging.config

    logging.config.dictConfig(uvicorn_log_config("WARNING"))
    assert logging.getLogger("tailor").level == logging.WARNING
