"""Prometheus metrics of the controller, on their own registry (several controllers per test
process must not collide): hosts per state, time spent per state, BMC call latency and errors,
reconciles. ``serve`` exposes them over HTTP; the reconciler and the direct backend record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from wsgiref import simple_server

import prometheus_client
from prometheus_client import core, registry


class _HostsPerState(registry.Collector):
    def __init__(self, states: Callable[[], Iterable[str]]) -> None:
        self._states = states

    def collect(self) -> Iterator[core.Metric]:
        family = core.GaugeMetricFamily(
            "metallab_hosts", "BareMetalHosts per provisioning state", labels=["state"]
        )
        counts: dict[str, int] = {}
        for state in self._states():
            counts[state] = counts.get(state, 0) + 1
        for state, count in sorted(counts.items()):
            family.add_metric([state or "none"], count)
        yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = prometheus_client.CollectorRegistry()
        self.state_seconds = prometheus_client.Histogram(
            "metallab_host_state_seconds",
            "Time a host spent in a provisioning state before leaving it",
            ["state"],
            buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800),
            registry=self.registry,
        )
        self.bmc_seconds = prometheus_client.Histogram(
            "metallab_bmc_call_seconds",
            "Latency of BMC calls",
            ["protocol", "call"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
            registry=self.registry,
        )
        self.bmc_errors = prometheus_client.Counter(
            "metallab_bmc_call_errors",
            "BMC calls that failed or timed out",
            ["protocol", "call"],
            registry=self.registry,
        )
        self.reconciles = prometheus_client.Counter(
            "metallab_reconciles", "Host reconciles by result", ["result"], registry=self.registry
        )

    def observe_bmc(self, protocol: str, call: str, seconds: float, ok: bool) -> None:
        self.bmc_seconds.labels(protocol, call).observe(seconds)
        if not ok:
            self.bmc_errors.labels(protocol, call).inc()

    def track_states(self, states: Callable[[], Iterable[str]]) -> None:
        """Report ``metallab_hosts`` from ``states`` (each host's state) at every scrape."""
        self.registry.register(_HostsPerState(states))

    def serve(self, port: int, address: str = "127.0.0.1") -> simple_server.WSGIServer:
        server, _thread = prometheus_client.start_http_server(
            port, addr=address, registry=self.registry
        )
        return server
