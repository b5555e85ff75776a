"""The LTI tool as two nodes behind nginx on this one machine: complete launches per second,
p95 and the tool's CPU time per launch, through HTTPS (Debian's nginx, a self-signed
certificate, round robin) to two ``qser lti serve`` nodes on one PostgreSQL. The nodes, nginx
and PostgreSQL are the cluster test's (``tests/support``); the load is ``lti_bench``'s."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from benchmarks.lti_bench import ISSUER_HOST, ROOT, _platform_key, _register, _serve_platform, free_port, measure_launches

NODE_WORKERS = 2  # server workers per node: four processes on the two cores in all


def bench_two_nodes(var: Path) -> dict:
    from tests.support.cluster import Nginx, Node
    from tests.support.postgres import Cluster

    key, jwk = _platform_key()
    platform_port = free_port()
    issuer = f"http://{ISSUER_HOST}:{platform_port}"
    ready = multiprocessing.Event()
    platform = multiprocessing.Process(target=_serve_platform, args=(platform_port, {"keys": [jwk]}, ready), daemon=True)
    platform.start()
    ready.wait(10)
    pg = Cluster().start()
    ports = [free_port(), free_port()]
    nginx = Nginx(var / "nginx", ports)
    common = {**os.environ, "QSER_DATABASE_URL": pg.create_database("bench"), "QSER_BASE_URL": nginx.url, "QSER_CONFIG": "",
              "QSER_CONTENT_DIR": str(ROOT / "content"), "QSER_LOG_LEVEL": "WARNING", "QSER_TRUSTED_PROXIES": "1"}
    nodes = [Node(name, port, {**common, "QSER_VAR_DIR": str(var / name)}, workers=NODE_WORKERS) for name, port in zip("ab", ports)]
    try:
        nodes[0].start()
        _register(nodes[0].env, issuer)
        nodes[1].start()
        nginx.start()
        return measure_launches(nginx.url, issuer, key, [n.proc.pid for n in nodes], ca=str(nginx.cert))
    finally:
        nginx.stop()
        for node in nodes:
            node.stop()
        pg.stop()
        platform.terminate()
