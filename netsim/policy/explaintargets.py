"""Explain connections between workloads: a workload means its pods.

``--from``/``--to`` accept what :func:`netsim.policy.explain.explain_all` does (``ns/pod``,
an IP, ``node:NAME``, ``svc:ns/name``) and kubectl's ``TYPE/NAME`` forms
(:func:`netsim.model.workloads.parse_target`) in the namespace ``-n`` gives. A
workload stands for each of its pods; a Service as destination is reached through
its ClusterIP (each backend after DNAT), as a source it means its backend pods. Every
(source pod, destination) pair is explained; :class:`TargetExplanation` says whether
they agree and renders one explanation per distinct outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netsim.model.workloads import parse_target, target_pods
from netsim.policy.engine import PolicyEngine
from netsim.policy.explain import Explanation, explain_all
from netsim.policy.groups import MIXED
from netsim.policy.profile import UPSTREAM, Profile

MAX_LISTED = 5
"""Connections named per outcome in text output (JSON lists them all)."""


@dataclass(frozen=True, slots=True)
class TargetExplanation:
    """Every connection between two targets, explained; ``src``/``dst`` as the user wrote them."""

    src: str
    dst: str
    protocol: str
    port: int
    explanations: tuple[Explanation, ...]

    @property
    def allowed(self) -> bool:
        """True when every connection is allowed."""
        return all(e.allowed for e in self.explanations)

    @property
    def agree(self) -> bool:
        """True when every connection has the same verdict."""
        return len({e.allowed for e in self.explanations}) <= 1

    def outcomes(self) -> list[list[Explanation]]:
        """The explanations grouped by outcome (verdict, deciding rule or reason, and the
        cluster-wide Pass rules met, per side)."""
        groups: dict[tuple[Any, ...], list[Explanation]] = {}
        for e in self.explanations:
            key = tuple(
                (s.decision.allowed, s.decision.reason, str(s.decision.rule), s.decision.passed)
                for s in (e.egress, e.ingress)
            )
            groups.setdefault(key, []).append(e)
        return sorted(groups.values(), key=lambda g: (not g[0].allowed, -len(g)))

    def render(self, profile: Profile = UPSTREAM) -> str:
        """A summary line, then one explanation per outcome with the connections it covers.

        One connection (``pod/a`` to ``pod/b``) renders as its explanation alone.
        """
        if len(self.explanations) == 1:
            return self.explanations[0].render(profile)
        n = len(self.explanations)
        allowed = sum(e.allowed for e in self.explanations)
        verdict = "ALLOWED" if allowed == n else "DENIED" if allowed == 0 else f"MIXED ({MIXED})"
        head = (
            f"{self.src} -> {self.dst} {self.port}/{self.protocol}: {verdict}: "
            f"{allowed} of {n} connection{'s' if n != 1 else ''} allowed"
        )
        blocks = [head]
        for group in self.outcomes():
            names = [_pair(e) for e in group]
            shown = ", ".join(names[:MAX_LISTED])
            more = f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
            blocks.append(f"{len(group)} connection{'s' if len(group) != 1 else ''}: {shown}{more}")
            blocks.append(group[0].render(profile))
        return "\n\n".join(blocks)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: allowed (every connection), agree, and each connection's explanation."""
        return {
            "allowed": self.allowed,
            "agree": self.agree,
            "from": self.src,
            "to": self.dst,
            "protocol": self.protocol,
            "port": self.port,
            "connections": [e.to_dict() for e in self.explanations],
        }


def _pair(e: Explanation) -> str:
    dst = f"{e.service} ({e.dst})" if e.service else e.dst
    return f"{e.src} -> {dst}"


def expand_end(engine: PolicyEngine, text: str, namespace: str, source: bool) -> list[str]:
    """The endpoint strings ``text`` stands for (itself unless it is a ``TYPE/NAME``)."""
    target = parse_target(text, namespace)
    if target is None:
        return [text]
    if target.kind == "Service" and not source:
        engine.cluster.service(f"{target.namespace}/{target.name}")  # LookupFailed if absent
        return [f"svc:{target.namespace}/{target.name}"]
    return [pod.key for pod in target_pods(engine.cluster, target)]


def is_target(text: str) -> bool:
    """True when ``text`` is a kubectl ``TYPE/NAME`` form."""
    return parse_target(text) is not None


def explain_targets(
    engine: PolicyEngine, src: str, dst: str, protocol: str, port: int, namespace: str = ""
) -> TargetExplanation:
    """Explain every connection from the pods ``src`` means to what ``dst`` means."""
    explanations: list[Explanation] = []
    for source in expand_end(engine, src, namespace, True):
        for destination in expand_end(engine, dst, namespace, False):
            explanations += explain_all(engine, source, destination, protocol, port)
    return TargetExplanation(src, dst, protocol, port, tuple(explanations))
