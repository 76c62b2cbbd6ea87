"""The cluster-wide tiers in the simple nftables renderer, checked rule by rule.

Expected chains are written from the network-policy-api evaluation order
(https://network-policy-api.sigs.k8s.io/reference/spec/): the admin tier by priority
(Allow/Accept and Deny decide, Pass skips to NetworkPolicy), NetworkPolicy when it
isolates the pod, otherwise the baseline tier, otherwise allowed.
"""

from __future__ import annotations

from netsim.addr import Prefix
from netsim.dataplane.render import render_node
from netsim.dataplane.tierrender import NP_PART
from netsim.model import Cluster, LabelSelector, NetworkPolicy, PolicyPeer, PolicyRule
from netsim.model.adminpolicy import (
    AdminPeer,
    AdminPort,
    AdminRule,
    AdminSubject,
    ClusterPolicy,
    NamespacedPods,
)
from netsim.policy.profile import Profile

from .test_render import cluster_with, sel

ICMP = "meta l4proto { icmp, ipv6-icmp }"
X = AdminSubject(namespaces=sel(team="x"))
TO_Y = AdminPeer(namespaces=sel(team="y"))
TO_X = AdminPeer(namespaces=sel(team="x"))


def anp(name: str, priority: int, **rules: tuple[AdminRule, ...]) -> ClusterPolicy:
    return ClusterPolicy("AdminNetworkPolicy", name, "Admin", X, priority, **rules)


def banp(**rules: tuple[AdminRule, ...]) -> ClusterPolicy:
    return ClusterPolicy("BaselineAdminNetworkPolicy", "default", "Baseline", X, None, **rules)


Chains = dict[str, list[tuple[str, str]]]


def chains(cluster: Cluster, pod: str, direction: str, profile: Profile | None = None) -> Chains:
    """Chain name -> (match, verdict) of each rule, for one pod and direction."""
    ruleset = render_node(cluster, "node-1", profile or Profile())
    return {
        c.name: [(r.match, r.verdict) for r in c.rules]
        for c in ruleset.chains
        if c.pod == pod and c.direction == direction
    }


def test_admin_tier_in_priority_order_allow_returns_deny_drops() -> None:
    # a (x, 10.244.1.11) may reach c (y, .13) on TCP 80 (priority 5) and nothing else in y
    # (priority 10); nothing else selects a's egress, so the chain ends: allowed.
    cluster = cluster_with(
        anp("deny-y", 10, egress=(AdminRule("Deny", (TO_Y,)),)),
        anp("allow-c", 5, egress=(AdminRule("Allow", (TO_Y,), (AdminPort("TCP", 80),)),)),
    )
    assert chains(cluster, "x/a", "egress") == {
        "egress-x/a": [
            (ICMP, "return"),
            ("ip daddr 10.244.1.13 tcp dport 80", "return"),
            ("ip daddr 10.244.1.13", "drop"),
        ]
    }


def test_same_priority_is_taken_by_name() -> None:
    cluster = cluster_with(
        anp("b-deny", 7, egress=(AdminRule("Deny", (TO_Y,)),)),
        anp("a-allow", 7, egress=(AdminRule("Allow", (TO_Y,)),)),
    )
    rules = chains(cluster, "x/a", "egress")["egress-x/a"]
    assert rules[1:] == [("ip daddr 10.244.1.13", "return"), ("ip daddr 10.244.1.13", "drop")]


def test_pass_goes_to_networkpolicy_which_isolates() -> None:
    # Pass to y skips the deny-all below it; NetworkPolicy isolates x/a's egress and
    # admits only pods of x; the baseline tier is not consulted for an isolated pod.
    netpol = NetworkPolicy(
        "only-x",
        "x",
        sel(app="a"),
        ("Egress",),
        egress=(PolicyRule((PolicyPeer(pod_selector=LabelSelector()),)),),
    )
    cluster = cluster_with(
        anp("pass-y", 1, egress=(AdminRule("Pass", (TO_Y,)), AdminRule("Deny", (TO_X,)))),
        banp(egress=(AdminRule("Deny", (TO_Y,)),)),
        netpol,
    )
    tail = f"egress-x/a-{NP_PART}"
    assert chains(cluster, "x/a", "egress") == {
        "egress-x/a": [
            (ICMP, "return"),
            ("ip daddr 10.244.1.13", f"goto {tail}"),
            ("ip daddr { 10.244.1.11, 10.244.1.12 }", "drop"),
            ("", f"goto {tail}"),
        ],
        tail: [("ip daddr { 10.244.1.11, 10.244.1.12 }", "return"), ("", "drop")],
    }
    # Only the entry chain is jumped to from the forward chain; its comment names who
    # isolates the pod (NetworkPolicy) apart from the cluster-wide policies selecting it.
    text = render_node(cluster, "node-1").text()
    assert "# x/a egress: isolated by x/only-x\n" in text
    assert "# cluster-wide policies selecting it: AdminNetworkPolicy/pass-y\n" in text
    assert "# x/b egress: no NetworkPolicy isolates it\n" in text
    assert f"jump {tail}" not in text and "jump egress-x/a\n" in text.replace(" comment", "\n")


def test_baseline_tier_only_where_no_networkpolicy_isolates() -> None:
    netpol = NetworkPolicy("a-in", "x", sel(app="a"), ("Ingress",), ingress=(PolicyRule(),))
    cluster = cluster_with(
        banp(
            ingress=(
                AdminRule("Allow", (TO_X,), (AdminPort("TCP", 80),)),
                AdminRule("Deny", (TO_X, TO_Y)),
            )
        ),
        netpol,
    )
    # x/a: NetworkPolicy decides (allow all ingress); no baseline rule in its chain.
    assert chains(cluster, "x/a", "ingress") == {
        "ingress-x/a": [(ICMP, "return"), ("", "return"), ("", "drop")]
    }
    # x/b: no NetworkPolicy isolates it: the baseline rules, then the end (allowed).
    assert chains(cluster, "x/b", "ingress") == {
        "ingress-x/b": [
            (ICMP, "return"),
            ("ip saddr { 10.244.1.11, 10.244.1.12 } tcp dport 80", "return"),
            ("ip saddr { 10.244.1.11, 10.244.1.12 }", "drop"),
            ("ip saddr 10.244.1.13", "drop"),
        ]
    }
    # y/c: not a subject of the baseline policy (namespace y): no chain at all.
    assert chains(cluster, "y/c", "ingress") == {}


def test_named_ports_resolve_on_the_destination() -> None:
    everyone = AdminPeer(pods=NamespacedPods(LabelSelector(), LabelSelector()))
    http = (AdminPort(None, named_port="http"),)
    dns = (AdminPort(None, named_port="dns"),)
    cluster = cluster_with(
        anp(
            "named",
            1,
            egress=(AdminRule("Allow", (everyone,), http),),
            ingress=(AdminRule("Deny", (everyone,), dns),),
        )
    )
    # egress: http is 80/TCP on a and 8080/TCP on b, nothing on c.
    assert chains(cluster, "x/b", "egress")["egress-x/b"][1:] == [
        ("ip daddr 10.244.1.11 tcp dport 80", "return"),
        ("ip daddr 10.244.1.12 tcp dport 8080", "return"),
    ]
    # ingress of a: its own dns port, 53/UDP.
    assert chains(cluster, "x/a", "ingress")["ingress-x/a"][1:] == [
        ("ip saddr { 10.244.1.11, 10.244.1.12, 10.244.1.13 } udp dport 53", "drop")
    ]
    # ingress of b: no dns port, the rule matches nothing here (and says so).
    ruleset = render_node(cluster, "node-1")
    (b_in,) = [c for c in ruleset.chains if c.pod == "x/b" and c.direction == "ingress"]
    assert [r.match for r in b_in.rules] == [ICMP]
    assert any("matches no traffic here" in note for note in b_in.notes)


def test_networks_nodes_ranges_and_domain_names() -> None:
    rules = (
        AdminRule("Deny", (AdminPeer(networks=(Prefix.parse("10.0.0.0/8"),)),),
                  (AdminPort("UDP", 5000, 5100),)),
        AdminRule("Allow", (AdminPeer(nodes=sel(**{"kubernetes.io/hostname": "node-1"})),)),
        AdminRule("Allow", (AdminPeer(nodes=sel(**{"kubernetes.io/hostname": "node-9"})),)),
        AdminRule("Allow", (AdminPeer(domain_names=("example.com",)),)),
        AdminRule("Deny", (TO_Y,), (AdminPort("TCP", 90, 80),)),
    )  # fmt: skip
    cluster = cluster_with(anp("outside", 3, egress=rules))
    ruleset = render_node(cluster, "node-1")
    (a_out,) = [c for c in ruleset.chains if c.pod == "x/a" and c.direction == "egress"]
    assert [(r.match, r.verdict) for r in a_out.rules][1:] == [
        ("ip daddr 10.0.0.0/8 udp dport 5000-5100", "drop"),
        ("ip daddr 172.18.0.2", "return"),
    ]
    notes = "\n".join(a_out.notes)
    assert "egress/2 Allow: matches no traffic here" in notes  # no node-9
    assert "domainNames example.com match nothing" in notes
    assert "egress/4 Deny: matches no traffic here" in notes  # range 90-80


def test_only_allowing_rules_are_traced() -> None:
    cluster = cluster_with(
        anp("mixed", 1, egress=(
            AdminRule("Pass", (TO_X,)), AdminRule("Allow", (TO_Y,)), AdminRule("Deny", (TO_Y,)),
        )),
    )  # fmt: skip
    ruleset = render_node(cluster, "node-1")
    traced = [(chain.pod, rule.verdict, rule.ref) for _, chain, rule in ruleset.traced()]
    assert {(pod, verdict) for pod, verdict, _ in traced} == {("x/a", "return"), ("x/b", "return")}
    assert all(ref is not None and ref.policy == "AdminNetworkPolicy/mixed" for *_, ref in traced)
    assert all(ref is not None and (ref.rule, ref.peer) == (1, 0) for *_, ref in traced)


def test_icmp_filtered_profiles_have_no_icmp_return() -> None:
    cluster = cluster_with(anp("deny-y", 1, egress=(AdminRule("Deny", (TO_Y,)),)))
    calico = Profile(name="calico", filter_icmp=True)
    assert chains(cluster, "x/a", "egress", calico) == {
        "egress-x/a": [("ip daddr 10.244.1.13", "drop")]
    }


def test_a_cluster_without_cluster_policies_renders_as_before() -> None:
    netpol = NetworkPolicy("a-in", "x", sel(app="a"), ("Ingress",), ingress=(PolicyRule(),))
    cluster = cluster_with(netpol)
    assert chains(cluster, "x/a", "ingress") == {
        "ingress-x/a": [(ICMP, "return"), ("", "return"), ("", "drop")]
    }
    assert chains(cluster, "x/b", "ingress") == {}


def test_default_ports_take_the_tiers_ports() -> None:
    # A number, both ends of a range and the ports just outside it, and a named port at
    # the number each pod declares it with (a: http 80/TCP, dns 53/UDP; b: http 8080/TCP).
    from netsim.dataplane.verify import default_ports

    ports = (
        AdminPort("SCTP", 90),
        AdminPort("UDP", 5000, 5002),
        AdminPort(None, named_port="http"),
    )
    cluster = cluster_with(anp("ports", 1, ingress=(AdminRule("Deny", (TO_Y,), ports),)))
    assert set(default_ports(cluster)) == {
        ("SCTP", 90),
        ("UDP", 4999),
        ("UDP", 5000),
        ("UDP", 5002),
        ("UDP", 5003),
        ("TCP", 80),
        ("TCP", 8080),
        ("TCP", 9999),  # the control port
    }
