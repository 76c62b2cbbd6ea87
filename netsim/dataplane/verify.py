"""Compare netsim's truth table with what a real Linux dataplane does.

:func:`verify` builds the cluster as namespaces (:mod:`~netsim.dataplane.harness`),
loads the rules of the simple renderer (:mod:`~netsim.dataplane.render`), probes
(:mod:`~netsim.dataplane.probe`) every pod pair on every port, every ClusterIP
Service port from every pod, every NodePort from each external host, and
optionally external hosts and nodes to and from every pod, and compares each
probe with :class:`~netsim.policy.engine.PolicyEngine` on the flow as policy sees
it after NAT. Reasons are compared too: per-rule nft trace sets record which
rule let each flow through, and it must be the rule ``netsim explain`` names or
one netsim agrees also matches. Each verdict disagreement is probed once more
alone, between two counter snapshots, to name the nft rule that decided it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from netsim.addr import ip_to_int
from netsim.dataplane.compiled import render_compiled
from netsim.dataplane.harness import Harness
from netsim.dataplane.probe import (
    DEFAULT_TIMEOUT,
    Port,
    Probe,
    Prober,
    ProbeResult,
    check_timeout,
)
from netsim.dataplane.render import (
    NodeRuleset,
    node_port_backend,
    node_ports,
    render_cluster,
    service_backend,
    service_backends,
)
from netsim.dataplane.system import nft, require_capabilities
from netsim.model import Cluster
from netsim.policy.endpoint import Endpoint, ip_endpoint, pod_endpoint
from netsim.policy.engine import PolicyEngine
from netsim.policy.explain import explain
from netsim.policy.profile import UPSTREAM, Profile
from netsim.policy.reference import rule_matches
from netsim.policy.verdict import RuleRef

RenderMode = Literal["simple", "compiled"]
"""Where the nftables rules come from: the policies (``simple``) or the compiled tables."""
CONTROL_PORT = 9999
"""The preferred control port (one no policy mentions); the next free one below if taken."""


def default_ports(cluster: Cluster) -> list[Port]:
    """The ports worth probing: every port the policies mention, plus a control port.

    Literal ports; both ends of every ``endPort`` range (and cluster-wide policies'
    ``portRange``) and the ports just outside it; every number a named port resolves to
    on some pod; and, for each protocol a rule allows on all ports, the control port in
    that protocol. The control port (TCP) is one no policy mentions.
    """
    ports: set[Port] = set()
    ranges: list[tuple[int, int]] = []
    any_port: set[str] = set()
    for _, policy in sorted(cluster.policies.items()):
        for rule in (*policy.ingress, *policy.egress):
            for port in rule.ports:
                if port.port is None:
                    any_port.add(port.protocol)
                elif isinstance(port.port, str):
                    for pod in cluster.sorted_pods():
                        number = pod.named_port(port.port, port.protocol)
                        if number is not None:
                            ports.add((port.protocol, number))
                elif port.end_port is not None:
                    ranges.append((port.port, port.end_port))
                    for number in (port.port - 1, port.port, port.end_port, port.end_port + 1):
                        if 1 <= number <= 65535:
                            ports.add((port.protocol, number))
                else:
                    ports.add((port.protocol, port.port))
    for _, cluster_policy in sorted(cluster.cluster_policies.items()):
        for admin_rule in (*cluster_policy.ingress, *cluster_policy.egress):
            for admin_port in admin_rule.ports:
                if admin_port.named_port is not None:
                    for pod in cluster.sorted_pods():
                        for cp in pod.container_ports:
                            if cp.name == admin_port.named_port:
                                ports.add((cp.protocol, cp.port))
                elif admin_port.port is not None and admin_port.end_port is not None:
                    low, high = admin_port.port, admin_port.end_port
                    ranges.append((low, high))
                    for number in (low - 1, low, high, high + 1):
                        if 1 <= number <= 65535:
                            ports.add((str(admin_port.protocol), number))
                elif admin_port.port is not None:
                    ports.add((str(admin_port.protocol), admin_port.port))
    control = CONTROL_PORT
    while any(n == control for _, n in ports) or any(lo <= control <= hi for lo, hi in ranges):
        control -= 1
    ports.add(("TCP", control))
    ports.update((protocol, control) for protocol in any_port)
    return sorted(ports, key=lambda p: (p[1], p[0]))


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One cell where the kernel and netsim disagree, with both sides' reasons."""

    src: str
    dst: str
    protocol: str
    port: int
    netsim: bool
    kernel: bool
    outcome: str
    explanation: str
    kernel_rules: tuple[str, ...] = ()

    def render(self) -> str:
        """Several lines: the two cells, netsim's explanation, the rules that counted."""
        mark = {True: "allowed (.)", False: "denied (X)"}
        lines = [
            f"MISMATCH {self.port}/{self.protocol} {self.src} -> {self.dst}: "
            f"netsim {mark[self.netsim]}, kernel {mark[self.kernel]} [{self.outcome}]",
            f"  netsim: {self.explanation}",
        ]
        if self.kernel_rules:
            lines += [f"  kernel: {rule}" for rule in self.kernel_rules]
        elif self.kernel:
            lines.append("  kernel: no pod chain rule counted this probe (no chain: accepted)")
        else:
            lines.append("  kernel: no pod chain rule counted this probe (lost elsewhere)")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class ReasonMismatch:
    """An allowed probe whose deciding kernel rule is not a rule netsim says matches."""

    probe: Probe
    direction: str
    netsim: str
    kernel: str

    def render(self) -> str:
        """One line naming both reasons."""
        p = self.probe
        return (
            f"REASON {p.port}/{p.protocol} {p.src} -> {p.dst} {self.direction}: "
            f"netsim {self.netsim}; kernel {self.kernel}"
        )


@dataclass(frozen=True, slots=True)
class ReasonTally:
    """How the kernel's deciding rules compare with netsim's, over allowed probes.

    ``same``: the kernel's rule is the one netsim names; ``other``: a different
    rule that netsim agrees also matches (several rules allow the flow);
    ``checked``: enforcement points compared.
    """

    checked: int = 0
    same: int = 0
    other: int = 0


@dataclass(frozen=True, slots=True)
class Timings:
    """Seconds spent building the namespaces and rules, probing, and in total."""

    setup: float
    probe: float
    total: float


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of one verification run.

    ``expected``/``observed`` map each probe to its verdict; ``pods`` are the
    probed pods in ``ns/name`` order; ``skipped`` the pods not probed (with why).
    """

    pods: tuple[str, ...]
    ports: tuple[Port, ...]
    expected: dict[Probe, bool]
    observed: dict[Probe, ProbeResult]
    mismatches: tuple[Mismatch, ...]
    notes: tuple[str, ...]
    timings: Timings
    nodes: tuple[str, ...] = ()
    skipped: tuple[str, ...] = field(default=())
    reason_mismatches: tuple[ReasonMismatch, ...] = ()
    reasons: ReasonTally = ReasonTally()
    externals: tuple[str, ...] = ()

    @property
    def agreed(self) -> bool:
        """True when every probe matched netsim's verdict and every deciding rule is one
        netsim says matches."""
        return not self.mismatches and not self.reason_mismatches

    def table(self, port: Port, *, kernel: bool = True) -> str:
        """The truth table of one port as upstream prints it (``.`` allowed, ``X`` denied).

        Cells where the kernel disagrees with netsim are shown as ``!``.
        """
        protocol, number = port
        width = max(len(p) for p in self.pods)
        lines = [" " * width + " " + " ".join(p.rjust(width) for p in self.pods)]
        for src in self.pods:
            cells = []
            for dst in self.pods:
                probe = Probe(src, dst, protocol, number)
                seen = self.observed[probe].connected if kernel else self.expected[probe]
                cell = "." if seen else "X"
                if self.observed[probe].connected != self.expected[probe]:
                    cell = "!"
                cells.append(cell.rjust(width))
            lines.append(src.ljust(width) + " " + " ".join(cells))
        return "\n".join(lines)

    def render(self, *, tables: bool = False) -> str:
        """The human-readable report; the kernel's truth tables of the pod pairs for
        every port with ``tables``, else only for ports with a mismatch."""
        total = len(self.expected)
        lines = [
            f"dataplane: {len(self.pods)} pods on {len(self.nodes)} node(s)"
            + (f", {len(self.externals)} external host(s)" if self.externals else "")
            + f", {len(self.ports)} port(s), {total} probes",
        ]
        lines += [f"note: {note}" for note in self.notes]
        services = sum(1 for p in self.expected if p.dst.startswith("svc:"))
        if services:
            lines.append(f"{services} of the probes go through a Service's ClusterIP (DNAT)")
        node_port = sum(
            1 for p in self.expected if p.dst.startswith("node:") and p.src in self.externals
        )
        if node_port:
            lines.append(
                f"{node_port} of the probes go from external hosts to a NodePort "
                "(DNAT; SNAT to the node for externalTrafficPolicy: Cluster)"
            )
        pods = set(self.pods)
        shown = sorted({(m.protocol, m.port) for m in self.mismatches if {m.src, m.dst} <= pods})
        if tables:
            shown = list(self.ports)
        for port in shown:
            lines.append(f"kernel truth table {port[1]}/{port[0]} (! = disagrees with netsim):")
            lines.append(self.table(port))
        lines += [m.render() for m in self.mismatches]
        lines += [m.render() for m in self.reason_mismatches]
        agree = total - len(self.mismatches)
        verdict = "AGREE" if self.agreed else "DISAGREE"
        lines.append(f"{verdict}: {agree}/{total} probes match netsim")
        r = self.reasons
        lines.append(
            f"reasons: {r.checked} kernel allow decisions compared: {r.same} by the rule netsim "
            f"names, {r.other} by another rule netsim also matches, "
            f"{len(self.reason_mismatches)} by a rule netsim does not match"
        )
        t = self.timings
        lines.append(f"time: setup {t.setup:.2f}s, probe {t.probe:.2f}s, total {t.total:.2f}s")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: ports, pods, per-port kernel/netsim tables of the pod pairs,
        ``other_probes`` (Services, NodePorts, external hosts, nodes), mismatches, timings."""
        tables = {}
        for protocol, number in self.ports:
            rows_k, rows_n = [], []
            for src in self.pods:
                row_k, row_n = "", ""
                for dst in self.pods:
                    probe = Probe(src, dst, protocol, number)
                    row_k += "." if self.observed[probe].connected else "X"
                    row_n += "." if self.expected[probe] else "X"
                rows_k.append(row_k)
                rows_n.append(row_n)
            tables[f"{number}/{protocol}"] = {"kernel": rows_k, "netsim": rows_n}
        return {
            "agreed": self.agreed,
            "pods": list(self.pods),
            "nodes": list(self.nodes),
            "skipped": list(self.skipped),
            "externals": list(self.externals),
            "ports": [f"{n}/{p}" for p, n in self.ports],
            "probes": len(self.expected),
            "tables": tables,
            "other_probes": [
                {
                    "from": p.src,
                    "to": p.dst,
                    "protocol": p.protocol,
                    "port": p.port,
                    "kernel": self.observed[p].connected,
                    "netsim": allowed,
                }
                for p, allowed in sorted(self.expected.items())
                if p.src not in self.pods or p.dst not in self.pods
            ],
            "mismatches": [
                {
                    "from": m.src,
                    "to": m.dst,
                    "protocol": m.protocol,
                    "port": m.port,
                    "netsim": m.netsim,
                    "kernel": m.kernel,
                    "outcome": m.outcome,
                    "explanation": m.explanation,
                    "kernel_rules": list(m.kernel_rules),
                }
                for m in self.mismatches
            ],
            "reason_mismatches": [
                {
                    "from": m.probe.src,
                    "to": m.probe.dst,
                    "protocol": m.probe.protocol,
                    "port": m.probe.port,
                    "direction": m.direction,
                    "netsim": m.netsim,
                    "kernel": m.kernel,
                }
                for m in self.reason_mismatches
            ],
            "reasons": {
                "checked": self.reasons.checked,
                "same": self.reasons.same,
                "other": self.reasons.other,
            },
            "notes": list(self.notes),
            "timings": {
                "setup": round(self.timings.setup, 3),
                "probe": round(self.timings.probe, 3),
                "total": round(self.timings.total, 3),
            },
        }


def explain_text(engine: PolicyEngine, probe: Probe, route: Route) -> str:
    """netsim's explanation (``netsim explain``'s text) of a probe, after NAT (``route``)."""
    found = explain(
        engine, route.src_key, route.dst_key, probe.protocol, route.port, engine.profile
    )
    text = found.render(engine.profile).replace("\n", "\n  ")
    if (route.src_key, route.dst_key, route.port) != (probe.src, probe.dst, probe.port):
        text = (
            f"({probe.src} -> {probe.dst} port {probe.port} is, after NAT, "
            f"{route.src_key} -> {route.dst_key}:{route.port}) {text}"
        )
    return text


FlowKey = tuple[str, str, str, str, int]
"""(direction, source IP, destination IP, protocol, destination port)."""


def kernel_decisions(harness: Harness, rulesets: dict[str, NodeRuleset]) -> dict[FlowKey, RuleRef]:
    """Which rule of which pod chain matched each flow, read from the trace sets."""
    found: dict[FlowKey, RuleRef] = {}
    for name, ruleset in sorted(rulesets.items()):
        traced = {set_name: (chain, rule) for set_name, chain, rule in ruleset.traced()}
        if not traced or name not in harness.nodes:
            continue
        listing = json.loads(harness.ruleset_json(name))
        for item in listing.get("nftables", []):
            entry = item.get("set")
            if not entry or entry.get("name") not in traced:
                continue
            chain, rule = traced[entry["name"]]
            assert rule.ref is not None
            for element in entry.get("elem", []):
                src, dst, proto, port = element["concat"]
                key = (chain.direction, src, dst, str(proto).upper(), int(port))
                found.setdefault(key, rule.ref)
    return found


def _endpoint(cluster: Cluster, key: str, profile: Profile) -> Endpoint:
    if key in cluster.pods:
        return pod_endpoint(cluster, cluster.pod(key), profile)
    if key.startswith("node:"):
        return ip_endpoint(cluster, cluster.nodes[key[5:]].ip)
    return ip_endpoint(cluster, key)


def compare_reasons(
    engine: PolicyEngine,
    harness: Harness,
    allowed: Sequence[Probe],
    kernel: dict[FlowKey, RuleRef],
) -> tuple[ReasonTally, tuple[ReasonMismatch, ...]]:
    """Check, per allowed probe and enforcement point, that the kernel's rule is netsim's.

    Exactly netsim's rule counts as ``same``; another rule counts as ``other``
    when netsim's own rule matcher says it matches this flow too (both allow);
    anything else, or a rule where netsim sees no isolation, is a mismatch.
    """
    cluster, profile = engine.cluster, engine.profile
    checked = same = other = 0
    bad: list[ReasonMismatch] = []
    for probe in allowed:
        route = effective(cluster, harness, probe)
        src, dst, port, dst_key = route.src_ip, route.dst_ip, route.port, route.dst_key
        decision = engine.decide(src, dst, probe.protocol, port)
        for direction, side in (("egress", decision.egress), ("ingress", decision.ingress)):
            ref = kernel.get((direction, src, dst, probe.protocol, port))
            if side.reason != "rule" and ref is None:
                continue
            checked += 1
            if ref is not None and ref == side.rule:
                same += 1
                continue
            if ref is not None and side.reason == "rule" and ref.policy in cluster.policies:
                policy = cluster.policies[ref.policy]
                remote = dst_key if direction == "egress" else route.src_key
                matched = rule_matches(
                    cluster,
                    policy,
                    ref.direction,
                    ref.rule,
                    policy.rules(ref.direction)[ref.rule],
                    _endpoint(cluster, remote, profile),
                    cluster.pods.get(dst_key),
                    probe.protocol,
                    port,
                    profile,
                )
                if matched is not None:
                    other += 1
                    continue
            netsim_text = f"{side.reason}" + (f" {side.rule}" if side.rule else "")
            kernel_text = f"rule {ref}" if ref else "no policy rule (not isolated)"
            bad.append(ReasonMismatch(probe, direction, netsim_text, kernel_text))
    return ReasonTally(checked, same, other), tuple(bad)


_RULE_LINE = re.compile(r"^\s*(?P<rule>.*?)\s*# handle (?P<handle>\d+)$")
_COUNTER = re.compile(r"counter packets (\d+) bytes \d+")


def counter_snapshot(harness: Harness) -> dict[tuple[str, str, int], tuple[int, str]]:
    """Every counted rule of every node: (node, chain, handle) -> (packets, rule text)."""
    snapshot: dict[tuple[str, str, int], tuple[int, str]] = {}
    for name, node in harness.nodes.items():
        listing = nft(node.netns, ["-a", "list", "table", "inet", "netsim"])
        chain = ""
        for line in listing.splitlines():
            stripped = line.strip()
            if stripped.startswith("chain "):
                chain = stripped.split()[1]
                continue
            match = _RULE_LINE.match(line)
            counter = _COUNTER.search(line)
            if match and counter:
                text = _COUNTER.sub("counter", match.group("rule"))
                snapshot[(name, chain, int(match.group("handle")))] = (int(counter.group(1)), text)
    return snapshot


def moved_rules(
    before: dict[tuple[str, str, int], tuple[int, str]],
    after: dict[tuple[str, str, int], tuple[int, str]],
) -> tuple[str, ...]:
    """The rules whose counters grew between two snapshots, as ``node chain: rule``."""
    moved = []
    for key, (packets, text) in sorted(after.items()):
        if packets > before.get(key, (0, ""))[0]:
            node, chain, _ = key
            moved.append(f"{node} {chain}: {text}")
    return tuple(moved)


@dataclass(frozen=True, slots=True)
class Route:
    """What policy sees of a probe after NAT: its source and destination ends and port.

    ``src_key``/``dst_key`` are pod keys, ``node:NAME`` or IPs.
    """

    src_key: str
    src_ip: str
    dst_key: str
    dst_ip: str
    port: int


def effective(cluster: Cluster, harness: Harness, probe: Probe) -> Route:
    """Where a probe really goes, after Service DNAT and NodePort SNAT.

    Policy sees the backend pod and its targetPort (SEMANTICS §3.21, §5.29). A
    NodePort with ``externalTrafficPolicy: Cluster`` is SNATed to the receiving
    node's IP after that node's checks: a backend on another node sees the node.
    """
    src_ip = harness.address(probe.src)
    if probe.dst.startswith("svc:"):
        target = service_backend(cluster, probe.dst[4:], probe.protocol, probe.port, src_ip)
        assert target is not None
        return Route(probe.src, src_ip, target.backend.key, target.backend.ip, target.port)
    if probe.dst.startswith("node:") and probe.src in harness.externals:
        node = probe.dst[5:]
        for (key, protocol, port), number in node_ports(cluster).items():
            if (protocol, number) != (probe.protocol, probe.port):
                continue
            target = node_port_backend(cluster, key, protocol, port, node)
            if target is None:
                continue
            pod = target.backend
            snat = cluster.services[key].external_traffic_policy == "Cluster"
            if snat and pod.node != node:
                return Route(probe.dst, cluster.nodes[node].ip, pod.key, pod.ip, target.port)
            return Route(probe.src, src_ip, pod.key, pod.ip, target.port)
    return Route(probe.src, src_ip, probe.dst, harness.address(probe.dst), probe.port)


def node_port_probes(cluster: Cluster, harness: Harness) -> tuple[list[Probe], list[Port]]:
    """Every external host to every node's NodePorts that have a backend there.

    The second value is the backends' ports (which must be listened on).
    """
    probes: list[Probe] = []
    listen: set[Port] = set()
    for (key, protocol, port), number in sorted(node_ports(cluster).items()):
        for end, plumbing in sorted(harness.node_ends.items()):
            target = node_port_backend(cluster, key, protocol, port, plumbing.node)
            if target is None or target.backend.key not in harness.pods:
                continue
            listen.add((protocol, target.port))
            probes += [Probe(ext, end, protocol, number) for ext in sorted(harness.externals)]
    return probes, sorted(listen)


def service_probes(cluster: Cluster, harness: Harness) -> tuple[list[Probe], list[Port]]:
    """Every pod to every ClusterIP Service port with a backend, and the backends' ports.

    A pod is not probed through a Service whose chosen backend is itself (hairpin:
    implementation-defined, SEMANTICS §5.28).
    """
    probes: list[Probe] = []
    listen: set[Port] = set()
    for key, service in sorted(cluster.services.items()):
        if not service.cluster_ip or service.cluster_ip == "None":
            continue
        for sport in service.ports:
            backends = service_backends(cluster, key, sport.protocol, sport.port)
            listen.update((sport.protocol, t.port) for t in backends)
            for client, plumbing in sorted(harness.pods.items()):
                target = service_backend(cluster, key, sport.protocol, sport.port, plumbing.ip)
                if target is not None and target.backend.key != client:
                    probes.append(Probe(client, f"svc:{key}", sport.protocol, sport.port))
    return probes, sorted(listen)


def verify(
    cluster: Cluster,
    ports: Sequence[Port] | None = None,
    *,
    profile: Profile = UPSTREAM,
    timeout: float = DEFAULT_TIMEOUT,
    rulesets: dict[str, NodeRuleset] | None = None,
    externals: Sequence[str] = (),
    nodes: bool = False,
    render: RenderMode = "simple",
    progress: Callable[[str], None] | None = None,
) -> VerifyReport:
    """Build ``cluster`` for real, probe every pod pair on ``ports``, compare with netsim.

    ``ports`` defaults to :func:`default_ports`. ``externals`` are IPv4
    addresses of hosts outside the cluster, each probed to and from every pod
    (they exist only inside this run's namespaces). ``nodes`` also probes
    every node to and from every pod. ``render="compiled"`` renders the rules
    from netsim's compiled tables instead of the policies (triage: see
    :mod:`~netsim.dataplane.compiled`). ``rulesets`` replaces the
    renderer's output (for tests that break a rule on purpose). ``progress`` is
    told what is happening (building, probing with counts, comparing). Raises
    :class:`~netsim.dataplane.system.DataplaneUnavailable` (exit 77) when the
    machine cannot do it.
    """
    check_timeout(timeout)
    require_capabilities()
    start = time.monotonic()
    chosen = sorted(set(ports)) if ports else default_ports(cluster)
    engine = PolicyEngine(cluster, profile)
    notes: list[str] = []
    if rulesets is not None:
        rendered = rulesets
    elif render == "compiled":
        rendered = render_compiled(engine, externals)
        notes.append("rules rendered from netsim's compiled tables (triage mode)")
    else:
        rendered = render_cluster(cluster, profile)
    say = progress or (lambda message: None)
    say(f"building {len(cluster.pods)} pods and {len(cluster.nodes)} nodes as network namespaces")
    with Harness(cluster, externals=externals) as harness:
        harness.load_rules({name: rs.text(trace=True) for name, rs in rendered.items()})
        via_services, backend_ports = service_probes(cluster, harness)
        via_node_ports, node_port_backends = node_port_probes(cluster, harness)
        listen = sorted({*chosen, *backend_ports, *node_port_backends})
        with Prober(harness, listen, timeout=timeout) as prober:
            ready = time.monotonic()
            probes = prober.all_probes(chosen) + via_services + via_node_ports
            if nodes:
                probes += [
                    probe
                    for end in sorted(harness.node_ends)
                    for proto, number in chosen
                    for pod in sorted(harness.pods)
                    for probe in (Probe(end, pod, proto, number), Probe(pod, end, proto, number))
                ]
            say(f"probing {len(probes)} connections")
            observed = prober.run(
                probes, lambda done, total: say(f"probed {done} of {total} connections")
            )
            say("comparing the kernel's verdicts with netsim's")
            probed = time.monotonic()
            if prober.sctp_mode == "raw":
                notes.append(
                    "SCTP probed with raw INIT/INIT-ACK packets: this kernel has no SCTP sockets"
                )
            expected: dict[Probe, bool] = {}
            wrong: list[Probe] = []
            for probe, result in sorted(observed.items()):
                route = effective(cluster, harness, probe)
                expected[probe] = engine.allowed(
                    route.src_ip, route.dst_ip, probe.protocol, route.port
                )
                if expected[probe] != result.connected:
                    wrong.append(probe)
            kernel = kernel_decisions(harness, rendered)
            allowed = [p for p in sorted(observed) if expected[p] and observed[p].connected]
            tally, reason_mismatches = compare_reasons(engine, harness, allowed, kernel)
            mismatches = []
            for probe in wrong:
                before = counter_snapshot(harness)
                again = prober.run([probe])[probe]
                after = counter_snapshot(harness)
                mismatches.append(
                    Mismatch(
                        probe.src,
                        probe.dst,
                        probe.protocol,
                        probe.port,
                        expected[probe],
                        observed[probe].connected,
                        observed[probe].outcome
                        + ("" if again.connected == observed[probe].connected else ", flaky"),
                        explain_text(engine, probe, effective(cluster, harness, probe)),
                        moved_rules(before, after),
                    )
                )
        faults = sorted(
            r.probe for r in observed.values() if r.outcome not in ("connected", "timeout")
        )
        if faults:
            notes.append(
                f"{len(faults)} probe(s) got an answer that is no policy verdict "
                f"(refused/unreachable), first {faults[0]}"
            )
        if harness.skipped:
            notes.append(
                "not probed (hostNetwork pods are node traffic): " + ", ".join(harness.skipped)
            )
        pods = tuple(sorted(harness.pods))
        node_names = tuple(sorted(harness.nodes))
        skipped = tuple(harness.skipped)
    engine.close()
    end = time.monotonic()
    return VerifyReport(
        pods,
        tuple(chosen),
        expected,
        observed,
        tuple(mismatches),
        tuple(notes),
        Timings(ready - start, probed - ready, end - start),
        node_names,
        skipped,
        reason_mismatches,
        tally,
        tuple(sorted(externals, key=ip_to_int)),
    )
