"""A stand-in for the packet simulator: busybox-like wget answered by the policy engine.

It resolves a name as the cluster DNS would (``svc``, ``svc.ns``, ``svc.ns.svc.cluster.local``
in the pod's namespace), DNATs a ClusterIP to the Service's first endpoint, and asks
:class:`~netsim.policy.engine.PolicyEngine` whether the connection passes. It prints
what busybox wget prints. DNS itself is not filtered here.
"""

from __future__ import annotations

from dataclasses import dataclass

from netsim.addr import is_ip
from netsim.model.cluster import Cluster
from netsim.policy.profile import Profile
from netsim.scenario.runner import ProfileSwitch as PolicyHook


@dataclass(frozen=True)
class FakeResult:
    output: str
    exit_code: int


@dataclass(frozen=True)
class FakeDrop:
    """A drop as the simulator traces it: printable, with its reason."""

    text: str
    reason: str

    def __str__(self) -> str:
        return self.text


class FakeNetwork:
    """Answers ``wget [--spider] [--timeout=N|-T N] HOST[:PORT]`` in simulated time."""

    def __init__(self, cluster: Cluster, seed: int, profile: Profile, hook: PolicyHook) -> None:
        self.cluster = cluster
        self.engine = hook
        self.profile = profile
        self.now = 0.0
        self.pcaps: list[str] = []
        self.dropped: list[FakeDrop] = []

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def write_pcap(self, path: str) -> int:
        self.pcaps.append(path)
        with open(path, "wb") as f:
            f.write(b"fake")
        return 0

    def exec(self, pod_key: str, command: str) -> FakeResult:
        pod = self.cluster.pod(pod_key)
        words = command.split()
        if words[:1] != ["wget"]:
            return FakeResult(f"sh: {words[0]}: not found", 127)
        timeout = 1.0
        target = words[-1]
        for word in words[1:-1]:
            if word.startswith("--timeout="):
                timeout = float(word.split("=", 1)[1])
        host, _, port_text = target.removeprefix("http://").partition(":")
        port = int(port_text) if port_text else 80
        if is_ip(host):
            ip = host
        else:
            parts = host.split(".")
            ns = parts[1] if len(parts) > 1 else pod.namespace
            svc = self.cluster.services.get(f"{ns}/{parts[0]}")
            if svc is None:
                self.now += 0.01
                return FakeResult(f"wget: bad address '{host}'", 1)
            ip = svc.cluster_ip
        dst_ip, dst_port = ip, port
        for svc in self.cluster.services.values():
            if svc.cluster_ip == ip:
                ends = self.cluster.endpoints(svc)
                sp = next((p for p in svc.ports if p.port == port), None)
                if not ends or sp is None:
                    return FakeResult(
                        f"Connecting to {host} ({ip}:{port})\n"
                        "wget: can't connect to remote host: Connection refused",
                        1,
                    )
                dst_ip = ends[0].ip
                tp = sp.target_port
                dst_port = tp if isinstance(tp, int) else ends[0].named_port(tp, "TCP") or 0
        head = f"Connecting to {host} ({ip}:{port})"
        if (
            self.engine.egress(pod.ip, dst_ip, "TCP", dst_port).allowed
            and self.engine.ingress(pod.ip, dst_ip, "TCP", dst_port).allowed
        ):
            self.now += 0.001
            return FakeResult(head, 0)
        self.now += timeout
        self.dropped.append(FakeDrop(f"drop {pod.key} -> {dst_ip}:{dst_port}", "policy-ingress"))
        return FakeResult(head + "\nwget: download timed out", 1)

    def add_external_host(self, name: str, ip: str, dns_name: str | None = None) -> str:
        return f"external/{name}"

    def load_balancer_ip(self, service_key: str) -> str:
        return ""

    def node_port(self, service_key: str, port: int) -> int:
        return 30000

    def drops(self) -> list[FakeDrop]:
        return list(self.dropped)

    def close(self) -> None:
        pass


def fake_factory(cluster: Cluster, seed: int, profile: Profile, hook: PolicyHook) -> FakeNetwork:
    return FakeNetwork(cluster, seed, profile, hook)
