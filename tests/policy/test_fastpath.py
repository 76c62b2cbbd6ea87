"""The bool fast path (netsim.policy.fastpath): its C and Python readers against the reference.

Every test runs once per reader. Where the optional C extension
(``netsim.policy._sidefast``) is not built, the C run skips with a message; under
CI=true it fails instead, as CI builds it (``pip install -e .`` compiles it).
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from needs import unavailable
from strategies import NODES, PROBE_PORTS, World, build_cluster, probe_addresses, worlds

from netsim.model import Cluster, LabelSelector, Namespace, NetworkPolicy, Pod, PolicyPeer
from netsim.model.netpol import PolicyPort, PolicyRule
from netsim.model.objects import ContainerPort
from netsim.policy import fastpath
from netsim.policy.engine import PolicyEngine
from netsim.policy.profile import Profile
from netsim.policy.reference import ReferenceEvaluator

from .test_properties import PROFILES, apply, examples, operations

NOT_BUILT = (
    "the C reader netsim.policy._sidefast is not built "
    "(pip install -e . compiles it where a C compiler and Python headers exist)"
)
EDGE_PORTS = tuple(
    (protocol, port)
    for protocol in ("TCP", "UDP", "SCTP")
    for port in (0, 1, 52, 53, 54, 79, 80, 81, 82, 89, 90, 91, 8079, 8080, 8081, 65535)
)
"""Ports at and beside every number the random policies and pods use (class edges)."""


@pytest.fixture(scope="module", params=["python", "c"])
def compiled(request: pytest.FixtureRequest) -> bool:
    """True for the C reader's run (skips, or fails under CI=true, when it is not built)."""
    if request.param == "c" and not fastpath.COMPILED:
        unavailable(NOT_BUILT)
    return request.param == "c"


def assert_allowed_agrees(
    engine: PolicyEngine,
    reference: ReferenceEvaluator,
    cluster: Cluster,
    ports: tuple[tuple[str, int], ...],
) -> int:
    """Ask every pair on ``ports`` twice (the first asks remember the pods); return how
    many pods the fast path holds."""
    ips = probe_addresses(cluster)
    for _ in range(2):
        for src in ips:
            for dst in ips:
                for protocol, port in ports:
                    expected = reference.allowed(src, dst, protocol, port)
                    got = engine.allowed(src, dst, protocol, port)
                    assert got is expected, (src, dst, protocol, port)
    return len(engine.fast.records)


port_samples = st.lists(st.sampled_from(EDGE_PORTS), min_size=1, max_size=4, unique=True).map(
    lambda edges: tuple(dict.fromkeys((*PROBE_PORTS, *edges)))
)
"""The ports the random pods declare, and a few beside them."""


@examples(150)
@given(world=worlds(), profile=st.sampled_from(PROFILES), ports=port_samples)
def test_fast_path_equals_reference(
    compiled: bool, world: World, profile: Profile, ports: tuple[tuple[str, int], ...]
) -> None:
    cluster = build_cluster(world)
    engine = PolicyEngine(cluster, profile, compiled=compiled)
    assert engine.fast.compiled is compiled
    held = assert_allowed_agrees(engine, ReferenceEvaluator(cluster, profile), cluster, ports)
    pods = {p.ip for p in cluster.pods.values() if not p.host_network}
    if profile.enforce and any(protocol in ("TCP", "UDP", "SCTP") for protocol, _ in ports):
        assert held == len(pods)  # every pod went through the fast path's records


@examples(80)
@given(data=st.data(), world=worlds(), profile=st.sampled_from(PROFILES), ports=port_samples)
def test_fast_path_follows_changes(
    compiled: bool,
    data: st.DataObject,
    world: World,
    profile: Profile,
    ports: tuple[tuple[str, int], ...],
) -> None:
    cluster = Cluster()
    for node in NODES:
        cluster.add(node)
    engine = PolicyEngine(cluster, profile, compiled=compiled)
    for obj in (*world.namespaces, *world.pods, *world.policies):
        cluster.add(obj)
    assert_allowed_agrees(engine, ReferenceEvaluator(cluster, profile), cluster, ports[:2])
    for op in data.draw(operations(world)):
        apply(cluster, op)
        assert_allowed_agrees(engine, ReferenceEvaluator(cluster, profile), cluster, ports)


def _two_pods(http: int = 8080) -> Cluster:
    """Namespace a: pod client, pod server declaring the named port http; server accepts
    ingress on the named port http only."""
    cluster = Cluster()
    for node in NODES:
        cluster.add(node)
    cluster.add(Namespace("a"))
    cluster.add(Pod("client", "a", node=NODES[0].name))
    cluster.add(
        Pod(
            "server", "a", node=NODES[0].name, container_ports=(ContainerPort(http, "TCP", "http"),)
        )
    )
    from_any_pod = (PolicyPeer(pod_selector=LabelSelector()),)
    web = PolicyRule(from_any_pod, (PolicyPort("TCP", "http"),))
    cluster.add(NetworkPolicy("web", "a", LabelSelector(), ("Ingress",), ingress=(web,)))
    return cluster


def test_a_named_port_resolves_per_destination_and_follows_a_new_declaration(
    compiled: bool,
) -> None:
    """SEMANTICS.md: a named port matches the number the destination pod declares; a pod
    declaring another number later splits a port class, and both answers stay exact."""
    cluster = _two_pods()
    engine = PolicyEngine(cluster, compiled=compiled)
    client, server = cluster.pods["a/client"].ip, cluster.pods["a/server"].ip
    assert engine.allowed(client, server, "TCP", 8080)
    assert engine.allowed(client, server, "TCP", 8080)  # now from the fast path
    assert not engine.allowed(client, server, "TCP", 8081)
    assert not engine.allowed(client, server, "TCP", 9000)
    assert not engine.allowed(server, client, "TCP", 8080)  # client declares no http
    cluster.add(
        Pod(
            "server2",
            "a",
            node=NODES[1].name,
            container_ports=(ContainerPort(9000, "TCP", "http"),),
        )
    )
    other = cluster.pods["a/server2"].ip
    assert engine.allowed(client, other, "TCP", 9000)
    assert not engine.allowed(client, other, "TCP", 8080)
    assert engine.allowed(client, server, "TCP", 8080)
    assert not engine.allowed(client, server, "TCP", 9000)
    assert not engine.allowed(client, server, "TCP", 9001)


def test_named_ports_on_both_sides_against_the_reference(compiled: bool) -> None:
    """Pods declaring http as 80, as 81, as UDP 80, or not at all; egress and ingress rules
    on the named port (and one on a number): every pair on every port around them agrees
    with the reference, through the rows of each destination's signature."""
    cluster = Cluster()
    for node in NODES:
        cluster.add(node)
    cluster.add(Namespace("a"))
    declarations = {
        "p80": (ContainerPort(80, "TCP", "http"),),
        "p81": (ContainerPort(81, "TCP", "http"), ContainerPort(82, "TCP", "web")),
        "u80": (ContainerPort(80, "UDP", "http"),),
        "none": (),
    }
    for name, ports in declarations.items():
        for copy in ("1", "2"):
            cluster.add(Pod(name + copy, "a", node=NODES[0].name, container_ports=ports))
    any_pod = (PolicyPeer(pod_selector=LabelSelector()),)
    http = PolicyRule(any_pod, (PolicyPort("TCP", "http"),))
    web_or_90 = PolicyRule(any_pod, (PolicyPort("TCP", "web"), PolicyPort("TCP", 90)))
    udp_http = PolicyRule(any_pod, (PolicyPort("UDP", "http"),))
    every = LabelSelector()
    cluster.add(NetworkPolicy("in", "a", every, ("Ingress",), ingress=(http, udp_http)))
    cluster.add(NetworkPolicy("out", "a", every, ("Egress",), egress=(web_or_90, http)))
    engine = PolicyEngine(cluster, compiled=compiled)
    reference = ReferenceEvaluator(cluster)
    ips = sorted(p.ip for p in cluster.pods.values())
    ports = [(protocol, n) for protocol in ("TCP", "UDP") for n in (79, 80, 81, 82, 83, 90)]
    for _ in range(2):
        for src in ips:
            for dst in ips:
                for protocol, port in ports:
                    expected = reference.allowed(src, dst, protocol, port)
                    assert engine.allowed(src, dst, protocol, port) is expected, (
                        src,
                        dst,
                        protocol,
                        port,
                    )
    assert len(engine.fast.records) == len(ips)


def test_pairs_the_fast_path_does_not_answer_go_to_the_full_path(compiled: bool) -> None:
    """Loopback, nodes, external hosts, ICMP, unknown protocols and odd ports are not read
    from the rows: the answers are the reference's."""
    cluster = _two_pods()
    engine = PolicyEngine(cluster, compiled=compiled)
    reference = ReferenceEvaluator(cluster)
    client, server = cluster.pods["a/client"].ip, cluster.pods["a/server"].ip
    engine.allowed(client, server, "TCP", 8080)  # both remembered
    node, external = NODES[0].ip, "203.0.113.7"
    for src, dst, protocol, port in (
        (server, server, "TCP", 1),  # loopback
        (node, server, "TCP", 1),  # node-local
        (external, server, "TCP", 8080),
        (client, server, "ICMP", 0),
        (client, server, "GRE", 0),
        (client, server, "TCP", 70000),
        (client, server, "TCP", -1),
    ):
        assert engine.allowed(src, dst, protocol, port) is reference.allowed(
            src, dst, protocol, port
        ), (src, dst, protocol, port)


# ------------------------------------------------------------ the C reader on its own
DENY = ((), frozenset())
ADMIT_IDENTITY_1 = (({1},), frozenset())
ADMIT_BLOCK_7 = ((), frozenset({7}))


def _reader(slow: Callable[..., bool]) -> Callable[..., bool]:
    """The C reader over hand-made records (identity 1 = a; c admits ipBlock entry 7,
    which d lies in; b-named is b's second address, whose ingress is by signature);
    port limit 3, TCP ports 1 and 2 share class 1."""
    if not fastpath.COMPILED:
        unavailable(NOT_BUILT)
    from netsim.policy import _sidefast  # type: ignore[attr-defined]

    everyone = [True, True]
    a, b, c, d, bad = 1001, 1002, 1003, 1004, 1005  # pod numbers
    records = {
        "a": (a, 1, frozenset(), 0, everyone, [DENY, DENY], False, False),
        "b": (b, 2, frozenset(), 0, everyone, [DENY, ADMIT_IDENTITY_1], False, False),
        "b-named": (b, 2, frozenset(), 1, everyone, [[], [DENY, {1}]], False, True),
        "c": (c, 3, frozenset(), 0, everyone, [DENY, ADMIT_BLOCK_7], False, False),
        "d": (d, 4, frozenset({7}), 0, everyone, [DENY, DENY], False, False),
        "bad": (bad, 5, frozenset(), 0, "not rows", [], False, False),
        "bad-flag": (bad, 5, frozenset(), 0, everyone, everyone, 1, 0),
    }
    tables = {"TCP": [0, 1, 1], "UDP": "not a table"}
    reader: Callable[..., bool] = _sidefast.FastAllowed(records, tables, slow, 3).allowed
    return reader


def test_c_reader_reads_and_hands_everything_else_to_slow() -> None:
    asked: list[tuple[object, ...]] = []

    def slow(*args: object) -> bool:
        asked.append(args)
        return True

    allowed = _reader(slow)
    assert allowed("b", "a", "TCP", 1) is False  # a's ingress denies everyone
    assert allowed("a", "b", "TCP", 2) is True  # b admits identity 1 on class 1
    assert allowed("d", "b", "TCP", 1) is False  # ... and no other identity
    assert allowed("a", "b", "TCP", 0) is False  # ... and nobody on class 0
    assert allowed("d", "c", "TCP", 1) is True  # c admits ipBlock entry 7, where d lies
    assert allowed("a", "c", "TCP", 1) is False
    assert allowed("a", "b-named", "TCP", 1) is True  # b's rows by signature: row 1
    assert allowed("d", "b-named", "TCP", 1) is False
    assert asked == []
    for args in (
        ("x", "a", "TCP", 1),  # unknown source
        ("a", "x", "TCP", 1),  # unknown destination
        ("a", "a", "TCP", 1),  # same pod
        ("b", "b-named", "TCP", 1),  # same pod, another address
        ("a", "b", "SCTP", 1),  # protocol without a table
        ("a", "b", "UDP", 1),  # table of the wrong type
        ("a", "b", "TCP", 3),  # past the port limit
        ("a", "b", "TCP", -1),
        ("a", "b", "TCP", 2**70),
        ("a", "b", "TCP", True),  # not an int
        ("a", "b", "TCP", "80"),
        ("bad", "a", "TCP", 1),  # rows of the wrong type
        ("bad-flag", "a", "TCP", 1),  # a flag that is not a bool
    ):
        assert allowed(*args) is True
        assert asked[-1] == args
    with pytest.raises(TypeError):
        allowed("a", "b", "TCP")


def test_c_reader_lets_slow_errors_through_and_is_collected() -> None:
    def slow(*args: object) -> bool:
        raise LookupError("from slow")

    allowed = _reader(slow)
    with pytest.raises(LookupError):
        allowed("nobody", "a", "TCP", 1)
    cluster = _two_pods()
    engine = PolicyEngine(cluster, compiled=True)
    gone = weakref.ref(engine)
    engine.close()
    del engine
    gc.collect()
    assert gone() is None  # engine -> fast path -> C reader -> engine's method: a cycle
