"""Profiles and ``--switch`` overrides: each switch reaches the profile it names."""

from __future__ import annotations

import pytest

from netsim.policy.profile import CILIUM, FLANNEL, UPSTREAM, profile_named, with_switches


def test_builtin_profiles_differ_only_where_plugins_differ() -> None:
    assert UPSTREAM.ipblock_matches_pod_ips and UPSTREAM.enforce
    assert not CILIUM.ipblock_matches_pod_ips and CILIUM.enforce
    assert not FLANNEL.enforce
    assert profile_named("calico").ipblock_matches_pod_ips


def test_unknown_profile_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="calico, cilium, flannel, upstream"):
        profile_named("weave")


@pytest.mark.parametrize(
    ("assignment", "field", "value"),
    [
        ("ipblock_matches_pod_ips=false", "ipblock_matches_pod_ips", False),
        ("node_local_allowed=no", "node_local_allowed", False),
        ("filter_icmp=TRUE", "filter_icmp", True),
        ("end_port=0", "end_port", False),
        ("cut_established_on_change=on", "cut_established_on_change", True),
        ("host_network=pod", "host_network", "pod"),
    ],
)
def test_switch_sets_one_field(assignment: str, field: str, value: object) -> None:
    changed = with_switches(UPSTREAM, [assignment])
    assert getattr(changed, field) == value
    untouched = {f for f in UPSTREAM.__slots__ if f not in (field,)}  # type: ignore[attr-defined]
    assert all(getattr(changed, f) == getattr(UPSTREAM, f) for f in untouched)


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("filter_icmp", "expected KEY=VALUE"),
        ("name=x", "expected KEY=VALUE"),
        ("bogus=true", "expected KEY=VALUE"),
        ("filter_icmp=maybe", "takes true or false"),
        ("host_network=bridge", '"node", "pod"'),
    ],
)
def test_bad_switches_are_refused_with_the_reason(assignment: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        with_switches(UPSTREAM, [assignment])
