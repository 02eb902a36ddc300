"""Driving and watching the edge in `tailor bench edge`: autocannon (npm) for throughput,
bench/paced_load.mjs for latency at a fixed offered rate, and /proc for worker RSS."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

EDGE_DIR = Path(__file__).resolve().parent.parent / "edge"

LOAD_JS = r"""
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/');
const autocannon = require('autocannon');
const opts = JSON.parse(process.argv[1]);
const result = await autocannon(opts);
process.stdout.write(JSON.stringify({
  rps: result.requests.average, total: result.requests.total, duration: result.duration,
  p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99,
  mean: result.latency.mean, errors: result.errors, timeouts: result.timeouts,
  non2xx: result.non2xx, bytes_per_s: result.throughput.average}));
"""



def load(url: str, requests: list[dict[str, Any]], seconds: float, connections: int,
         rate: int | None = None) -> dict[str, Any]:
    opts: dict[str, Any] = {"url": url, "connections": connections, "duration": seconds,
                            "requests": requests, "pipelining": 1}
    if rate:
        opts["overallRate"] = rate
    done = subprocess.run(["node", "--input-type=module", "-e", LOAD_JS, json.dumps(opts)],
                          cwd=EDGE_DIR, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout))


def paced(url: str, requests: list[dict[str, Any]], seconds: float, connections: int,
          rate: int) -> dict[str, Any]:
    """Latency at a fixed offered rate, open loop (bench/paced_load.mjs)."""
    opts = {"url": url, "connections": connections, "duration": seconds, "rate": rate,
            "requests": requests}
    done = subprocess.run(["node", str(Path(__file__).with_name("paced_load.mjs")),
                           json.dumps(opts)], capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout))


def tail_floor(url: str, bypass: list[dict[str, Any]], seconds: float, connections: int,
               personalized_rate: int, own_rate: int) -> dict[str, Any]:
    """The paced tail of the same host with no decision at all (pass-through), at the
    personalized phase's 80 % rate and at 80 % of its own peak: what the machine, the
    load generator sharing its cores and Node's HTTP put in the tail on their own."""
    return {
        "passthrough_at_personalized_80pct_rate": {"rate": personalized_rate, **paced(
            url, bypass, seconds, connections, personalized_rate)},
        "passthrough_at_80pct_of_own_peak": {"rate": own_rate, **paced(
            url, bypass, seconds, connections, own_rate)},
        "note": "paced open loop as above; send_lag_* is how late the generator itself sent "
                "(its event loop stalled or it lost the CPU to the edge): part of every "
                "latency here, and the generator's, not the edge's",
    }


def rss_children(pid: int) -> list[int]:
    """RSS in bytes of the worker processes (children of the node primary)."""
    out = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().split()
            if int(stat[3]) == pid:
                rss_pages = int((proc / "statm").read_text().split()[1])
                out.append(rss_pages * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, IndexError, ValueError):
            continue
    return out


def node_child(pid: int) -> int:
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if int((proc / "stat").read_text().split()[3]) == pid:
                    return int(proc.name)
            except (OSError, ValueError, IndexError):
                continue
    raise RuntimeError("node process not found")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def edge_cpu(primary: int) -> dict[str, float]:
    """CPU seconds so far of the edge's node primary and of its workers (summed)."""
    workers = [int(p.name) for p in Path("/proc").iterdir()
               if p.name.isdigit() and _parent(p) == primary]
    return {"primary": _cpu_seconds(primary), "workers": sum(map(_cpu_seconds, workers))}


def _parent(proc: Path) -> int:
    try:
        stat = (proc / "stat").read_text()
        return int(stat[stat.rindex(")") + 2 :].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def cpu_per_request(before: dict[str, float], after: dict[str, float], requests: int
                    ) -> dict[str, float]:
    """Microseconds of CPU per request by edge process role over one load phase."""
    n = max(1, requests)
    return {role: round((after[role] - before[role]) * 1e6 / n, 1) for role in before}
