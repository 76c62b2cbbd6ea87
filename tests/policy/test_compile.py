"""PolicyTables and IdentityTable: identities, shared specs, incremental membership."""

from __future__ import annotations

from netsim.addr import Prefix
from netsim.model import IPBlock, Labels, LabelSelector, NetworkPolicy, PolicyPeer, PolicyRule
from netsim.policy.compile import PeerSpec, PolicyTables, SubjectSpec
from netsim.policy.identity import IdentityTable
from netsim.policy.profile import UPSTREAM

from .helpers import sel


def test_identities_are_namespace_plus_labels_and_refcounted() -> None:
    table = IdentityTable()
    a, new_a = table.acquire("x", Labels.of(app="a"))
    a2, new_a2 = table.acquire("x", Labels.of(app="a"))
    b, _ = table.acquire("y", Labels.of(app="a"))
    assert new_a and not new_a2 and a == a2 and a != b
    assert not table.release(a) and table.release(a)
    assert table.get("x", Labels.of(app="a")) is None
    c, _ = table.acquire("x", Labels.of(app="a"))
    assert c not in (a, b)  # ids are never reused


def tables_with_pods() -> tuple[PolicyTables, dict[str, int]]:
    tables = PolicyTables(UPSTREAM)
    tables.set_namespace("x", Labels.of(team="red"))
    tables.set_namespace("y", Labels())
    ids = {
        "x/web": tables.add_pod_identity("x", Labels.of(app="web")),
        "x/db": tables.add_pod_identity("x", Labels.of(app="db")),
        "y/web": tables.add_pod_identity("y", Labels.of(app="web")),
    }
    return tables, ids


def test_subject_and_peer_specs() -> None:
    tables, ids = tables_with_pods()
    rule = PolicyRule(
        (
            PolicyPeer(pod_selector=sel(app="web")),
            PolicyPeer(namespace_selector=LabelSelector(), pod_selector=sel(app="web")),
            PolicyPeer(ip_block=IPBlock(Prefix.parse("10.0.0.0/8"))),
        )
    )
    compiled = tables.add_policy(NetworkPolicy("p", "x", sel(app="db"), ("Ingress",), (rule,)))
    assert tables.members(compiled.subject) == {ids["x/db"]}
    own, anywhere, block = compiled.ingress[0].peers
    assert own.spec is not None and tables.members(own.spec) == {ids["x/web"]}
    assert anywhere.spec is not None and anywhere.spec.namespace == ""  # shared across namespaces
    assert tables.members(anywhere.spec) == {ids["x/web"], ids["y/web"]}
    assert block.block is not None and tables.blocks.lookup(4, 10 << 24) == {block.block}
    assert [p.key for p in tables.selecting(ids["x/db"], "ingress")] == ["x/p"]
    assert tables.selecting(ids["x/db"], "egress") == []


def test_new_identity_and_namespace_relabel_update_membership() -> None:
    tables, ids = tables_with_pods()
    red = PolicyRule((PolicyPeer(namespace_selector=sel(team="red")),))
    compiled = tables.add_policy(NetworkPolicy("p", "y", LabelSelector(), ("Ingress",), (red,)))
    spec = compiled.ingress[0].peers[0].spec
    assert spec is not None and tables.members(spec) == {ids["x/web"], ids["x/db"]}
    late = tables.add_pod_identity("x", Labels.of(app="late"))
    assert late in tables.members(spec)
    assert tables.members(compiled.subject) == {ids["y/web"]}
    tables.set_namespace("y", Labels.of(team="red"))
    assert ids["y/web"] in tables.members(spec)
    tables.set_namespace("x", Labels())
    assert tables.members(spec) == {ids["y/web"]}
    tables.release_pod_identity(ids["y/web"])
    assert tables.members(spec) == set()


def test_removing_a_policy_releases_its_specs_and_blocks() -> None:
    tables, _ = tables_with_pods()
    block = PolicyRule((PolicyPeer(ip_block=IPBlock(Prefix.parse("10.0.0.0/8"))),))
    tables.add_policy(NetworkPolicy("p", "x", sel(app="db"), ("Ingress",), (block,)))
    tables.add_policy(NetworkPolicy("q", "x", sel(app="db"), ("Ingress",)))
    tables.remove_policy("x/p")
    assert tables.blocks.lookup(4, 10 << 24) == frozenset()
    assert SubjectSpec("x", sel(app="db")) in tables._members  # still used by x/q
    tables.remove_policy("x/q")
    assert SubjectSpec("x", sel(app="db")) not in tables._members
    assert PeerSpec("x", None, None) not in tables._members
