"""Triage mode: rules rendered from netsim's compiled tables."""

from __future__ import annotations

import pytest

from netsim.dataplane.compiled import render_compiled
from netsim.dataplane.render import render_cluster
from netsim.dataplane.verify import verify
from netsim.policy.engine import PolicyEngine

from .clusters import two_node_cluster
from .generate import random_cluster


@pytest.mark.parametrize("seed", range(20))
def test_same_chains_as_the_policy_renderer(seed: int) -> None:
    # Both renderers must isolate the same pods in the same directions for the same
    # policies (SEMANTICS §1.2); only how peers are written may differ.
    cluster = random_cluster(seed)
    simple = render_cluster(cluster)
    compiled = render_compiled(PolicyEngine(cluster))
    assert sorted(simple) == sorted(compiled)
    for node, ruleset in simple.items():
        expected = [(c.pod, c.direction, c.isolated_by) for c in ruleset.chains]
        got = [(c.pod, c.direction, c.isolated_by) for c in compiled[node].chains]
        assert got == expected
        assert compiled[node].services == ruleset.services


def test_named_port_and_selector_rules() -> None:
    cluster = two_node_cluster()
    [chain] = render_compiled(PolicyEngine(cluster))["node-1"].chains
    assert (chain.pod, chain.direction) == ("x/a", "ingress")
    y_a = cluster.pods["y/a"].ip
    # Namespace y's only pod, on x/a's named port http (TCP 80) and on SCTP 90.
    assert [r.match for r in chain.rules if r.ref is not None] == [
        f"ip saddr {y_a} tcp dport 80",
        f"ip saddr {y_a} sctp dport 90",
    ]


@pytest.mark.dataplane
@pytest.mark.parametrize("seed", [3, 11])
def test_kernel_running_compiled_rules_agrees(seed: int) -> None:
    from strategies import PROBE_PORTS

    report = verify(random_cluster(seed), list(PROBE_PORTS), timeout=1.0, render="compiled")
    assert report.agreed, report.render()
    assert any("compiled" in note for note in report.notes)
