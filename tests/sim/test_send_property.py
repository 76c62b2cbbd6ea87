"""Any packet in: ``Network.send`` drops or delivers exactly as the policy verdict says.

Random clusters (tests/strategies.py) under the upstream, calico and cilium
profiles, random packets between their pods: TCP SYNs, UDP datagrams, SCTP
INITs, ICMP echoes and GRE (IP protocol 47), some with a spoofed source (another
pod's address, a node's, or an internet address). The oracle is the literal
reference evaluator, asked the two questions Kubernetes defines:

- egress of the pod the packet left (its own identity: the policy hook sits on
  its interface), ingress of the destination pod for the packet's source
  address (a spoofed source is judged as the address it carries);
- a protocol other than TCP, UDP and SCTP is judged without a port: unfiltered
  unless the profile filters ICMP, then admitted only by rules without ports;
- with ``drop_spoofed`` (calico, cilium) a spoofed packet never gets that far.

Every packet uses a fresh source port (ICMP identifier), so no conntrack entry
of an earlier packet decides it.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy.tier_strategies import cluster_policy_lists
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import GRE
from scapy.layers.sctp import SCTP, SCTPChunkInit
from scapy.packet import Packet
from strategies import EXTERNAL_IPS, PROBE_PORTS, World, build_cluster, worlds

from netsim.model import Cluster, Pod
from netsim.model.adminpolicy import ClusterPolicy
from netsim.policy.profile import CALICO, CILIUM, UPSTREAM, Profile
from netsim.policy.reference import ReferenceEvaluator
from netsim.policy.tiers import TieredReferenceEvaluator
from netsim.sim.network import Network

KINDS = ("TCP", "UDP", "SCTP", "ICMP", "GRE")

shots = st.tuples(
    st.integers(0, 63),  # source pod
    st.integers(0, 63),  # destination pod
    st.sampled_from(KINDS),
    st.sampled_from([port for _, port in PROBE_PORTS]),
    st.integers(0, 8),  # spoofed source: 0-5 none, 6 another pod, 7 a node, 8 an internet host
)


def _packet(kind: str, src: str, dst: str, port: int, sport: int) -> Packet:
    ip = IP(src=src, dst=dst)
    if kind == "TCP":
        return ip / TCP(sport=sport, dport=port, flags="S", seq=1000)
    if kind == "UDP":
        return ip / UDP(sport=sport, dport=port) / b"hello"
    if kind == "SCTP":
        return ip / SCTP(sport=sport, dport=port, tag=0) / SCTPChunkInit(init_tag=7)
    if kind == "ICMP":
        return ip / ICMP(type=8, id=sport, seq=1)
    return ip / GRE() / b"tunnelled"


def _spoofed(cluster: Cluster, src: Pod, dst: Pod, choice: int) -> str:
    if choice == 6:
        others = [p.ip for p in cluster.sorted_pods() if p.ip not in (src.ip, dst.ip)]
        return others[0] if others else src.ip
    if choice == 7:
        node = cluster.nodes[dst.node]
        return node.ip if node.ip not in (src.ip, dst.ip) else src.ip
    if choice == 8:
        return EXTERNAL_IPS[0]
    return src.ip


def _listening(cluster: Cluster, dst: Pod, protocol: str, port: int) -> bool:
    peers = [p for p in cluster.pods.values() if p.ip == dst.ip]
    return any(
        cp.port == port and cp.protocol == protocol for p in peers for cp in p.container_ports
    )


def _check_sends(
    cluster: Cluster,
    profile: Profile,
    oracle: ReferenceEvaluator,
    packets: list[tuple[int, int, str, int, int]],
) -> None:
    net = Network(cluster, seed=0, dns=False, profile=profile)
    pods = cluster.sorted_pods()
    for number, (a, b, kind, port, spoof) in enumerate(packets):
        src, dst = pods[a % len(pods)], pods[b % len(pods)]
        if src.ip == dst.ip:
            continue
        at = f"node/{src.node}" if src.host_network else src.key
        source = _spoofed(cluster, src, dst, spoof)
        fate = net.send(_packet(kind, source, dst.ip, port, 20000 + number), at)
        where = (src.key, dst.key, kind, port, source, str(fate))

        spoofed = source != src.ip
        if spoofed and profile.drop_spoofed and not src.host_network:
            assert not fate.delivered, where
            assert fate.reason == "spoofed-source" and fate.dropped_by == (), where
            continue
        judged_port = port if kind in ("TCP", "UDP", "SCTP") else 0
        egress = oracle.egress(src.ip, dst.ip, kind, judged_port)
        ingress = oracle.ingress(source, dst.ip, kind, judged_port)
        if not egress.allowed:
            assert not fate.delivered, where
            assert fate.dropped_by == egress.denied_by, where
            assert fate.reason.startswith("policy-egress"), where
        elif not ingress.allowed:
            assert not fate.delivered, where
            assert fate.dropped_by == ingress.denied_by, where
            assert fate.reason.startswith("policy-ingress"), where
        else:
            expected_to = f"node/{dst.node}" if dst.host_network else dst.key
            assert fate.delivered and fate.delivered_to == expected_to, where
            assert fate.dropped_by == (), where
            if kind == "TCP" and not spoofed:
                assert fate.reply is not None, where
                flags = str(fate.reply[TCP].flags)
                assert flags == ("SA" if _listening(cluster, dst, "TCP", port) else "RA"), where
            if kind == "ICMP" and not spoofed:
                assert fate.reply is not None and fate.reply[ICMP].type == 0, where


PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@PROPERTY
@given(
    worlds(max_pods=5, max_policies=6),
    st.sampled_from([UPSTREAM, CALICO, CILIUM]),
    st.lists(shots, min_size=1, max_size=12),
)
def test_send_matches_the_reference_verdict(
    world: World, profile: Profile, packets: list[tuple[int, int, str, int, int]]
) -> None:
    cluster = build_cluster(world)
    _check_sends(cluster, profile, ReferenceEvaluator(cluster, profile), packets)


@settings(PROPERTY, max_examples=200)
@given(
    worlds(max_pods=5, max_policies=4),
    cluster_policy_lists,
    st.sampled_from([UPSTREAM, CALICO, CILIUM]),
    st.lists(shots, min_size=1, max_size=12),
)
def test_send_matches_the_tiered_verdict_with_cluster_wide_policies(
    world: World,
    policies: list[ClusterPolicy],
    profile: Profile,
    packets: list[tuple[int, int, str, int, int]],
) -> None:
    """AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy mixed in:
    the oracle is the tiered reference; a tier Deny names its policy in ``dropped_by``."""
    cluster = build_cluster(world)
    for policy in policies:
        cluster.add(policy)
    _check_sends(cluster, profile, TieredReferenceEvaluator(cluster, profile), packets)
