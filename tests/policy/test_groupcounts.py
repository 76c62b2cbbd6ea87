"""Group counts from the class table equal sums over the pod-by-pod matrix."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import PROBE_PORTS, World, build_cluster, worlds

from netsim.policy.engine import PolicyEngine
from netsim.policy.groupcounts import allowed_counts, group_totals
from netsim.policy.profile import CILIUM, FLANNEL, UPSTREAM, Profile

PROFILES = (UPSTREAM, CILIUM, FLANNEL, Profile("odd", host_network="pod", node_local_allowed=False))


def _brute(table: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    out = np.zeros((n_groups, n_groups), dtype=np.int64)
    for i, a in enumerate(groups.tolist()):
        for j, b in enumerate(groups.tolist()):
            out[a, b] += bool(table[i, j])
    return out


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(worlds(), st.sampled_from(PROFILES), st.sampled_from(PROBE_PORTS), st.data())
def test_counts_equal_the_pod_matrix_sums(
    world: World, profile: Profile, port: tuple[str, int], data: st.DataObject
) -> None:
    engine = PolicyEngine(build_cluster(world), profile)
    pods = engine.pods()
    n_groups = data.draw(st.integers(1, 4))
    groups = np.array(
        data.draw(st.lists(st.integers(0, n_groups - 1), min_size=len(pods), max_size=len(pods))),
        dtype=np.intp,
    )
    table = engine.matrix([port])[0]
    assert (
        allowed_counts(engine, *port, groups, n_groups) == _brute(table, groups, n_groups)
    ).all()
    assert (group_totals(groups, n_groups) == _brute(np.ones_like(table), groups, n_groups)).all()
