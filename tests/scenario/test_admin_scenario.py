"""The admin story of ``scenarios/admin-protect-vault.yaml``, decided by the tiered
reference evaluator (:class:`~netsim.policy.tiers.TieredReferenceEvaluator`) on the
scenario's own manifests, stage by stage.

Each expected verdict and reason is worked out from the network-policy-api evaluation
order (https://network-policy-api.sigs.k8s.io/reference/spec/): admin tier by priority,
NetworkPolicy where it isolates the pod, baseline tier, then allowed. The scenario's
transcript (``test_scenarios.py``) shows the same verdicts through the simulator.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netsim.addr import Prefix
from netsim.errors import Origin
from netsim.model import Cluster, ContainerPort, Labels, Namespace, Node, Pod
from netsim.model.load import object_from_dict
from netsim.policy.tiers import TieredReferenceEvaluator

SCENARIOS = Path(__file__).resolve().parents[2] / "netsim" / "scenarios"
STAGES = (
    ("admin/protect-vault.yaml", "admin/vault-allow-all.yaml"),
    ("admin/baseline-default.yaml",),
    ("admin/api-allow-team-b.yaml",),
)


def _cluster(stage: int) -> Cluster:
    """The scenario's pods (a busybox client per namespace) and its policies up to ``stage``."""
    cluster = Cluster()
    cluster.add(Node("node-1", "172.18.0.2", Prefix.parse("10.244.1.0/24")))
    for name in ("kube-system", "vault", "team-a", "team-b"):
        cluster.add(Namespace(name))
    dns = (ContainerPort(53, "UDP", "dns"), ContainerPort(53, "TCP", "dns-tcp"))
    cluster.add(
        Pod("coredns", "kube-system", Labels.of({"k8s-app": "kube-dns"}), container_ports=dns)
    )
    web = (ContainerPort(80),)
    for name, namespace in (("vault", "vault"), ("api", "team-a"), ("billing", "team-b")):
        cluster.add(Pod(name, namespace, Labels.of(app=name), container_ports=web))
    for namespace in ("vault", "team-a", "team-b"):
        cluster.add(Pod("client", namespace, Labels.of(run="client")))
    for files in STAGES[: stage + 1]:
        for file in files:
            for index, doc in enumerate(yaml.safe_load_all((SCENARIOS / file).read_text())):
                for obj in object_from_dict(doc, Origin(file, index)):
                    cluster.add(obj)
    return cluster


def _ip(cluster: Cluster, key: str) -> str:
    return cluster.pod(key).ip


# (stage, client namespace, destination pod, port/protocol, allowed, deciding side, reason)
EXPECTED = [
    # protect-vault (Deny at the client's egress) beats vault's allow-all NetworkPolicy.
    (0, "team-a", "vault/vault", 80, "TCP", False, "egress", "admin-deny"),
    (0, "team-a", "team-a/api", 80, "TCP", True, "ingress", "not-isolated"),
    (0, "team-a", "team-b/billing", 80, "TCP", True, "ingress", "not-isolated"),
    # DNS matches pass-to-teams: no NetworkPolicy or baseline on egress, so allowed.
    (0, "team-a", "kube-system/coredns", 53, "UDP", True, "egress", "not-isolated"),
    # vault is not a subject; its allow-all NetworkPolicy admits its own client.
    (0, "vault", "vault/vault", 80, "TCP", True, "ingress", "rule"),
    # The baseline decides ingress of pods no NetworkPolicy isolates.
    (1, "team-a", "team-a/api", 80, "TCP", False, "ingress", "baseline-deny"),
    (1, "team-a", "team-b/billing", 80, "TCP", False, "ingress", "baseline-deny"),
    (1, "team-a", "vault/vault", 80, "TCP", False, "egress", "admin-deny"),
    (1, "team-a", "kube-system/coredns", 53, "UDP", True, "ingress", "not-isolated"),
    # Team a's NetworkPolicy isolates api: it decides, the baseline is not consulted.
    (2, "team-b", "team-a/api", 80, "TCP", True, "ingress", "rule"),
    (2, "team-b", "vault/vault", 80, "TCP", False, "egress", "admin-deny"),
    (2, "team-a", "team-a/api", 80, "TCP", False, "ingress", "no-rule-matched"),
    (2, "team-a", "team-b/billing", 80, "TCP", False, "ingress", "baseline-deny"),
]


@pytest.mark.parametrize(
    ("stage", "client", "dst", "port", "protocol", "allowed", "side", "reason"), EXPECTED
)
def test_the_story_in_the_tiered_reference_evaluator(
    stage: int,
    client: str,
    dst: str,
    port: int,
    protocol: str,
    allowed: bool,
    side: str,
    reason: str,
) -> None:
    cluster = _cluster(stage)
    reference = TieredReferenceEvaluator(cluster)
    src_ip, dst_ip = _ip(cluster, f"{client}/client"), _ip(cluster, dst)
    decision = reference.decide(src_ip, dst_ip, protocol, port)
    assert decision.allowed is allowed
    deciding = decision.egress if side == "egress" else decision.ingress
    assert deciding.reason == reason


def test_the_admin_deny_names_its_rule_and_dns_passes_through_the_pass_rule() -> None:
    cluster = _cluster(0)
    reference = TieredReferenceEvaluator(cluster)
    client = _ip(cluster, "team-a/client")
    denied = reference.egress(client, _ip(cluster, "vault/vault"), "TCP", 80)
    assert denied.rule is not None
    assert (denied.rule.policy, denied.rule.rule) == ("AdminNetworkPolicy/protect-vault", 0)
    dns = reference.egress(client, _ip(cluster, "kube-system/coredns"), "UDP", 53)
    assert [(r.policy, r.rule) for r in dns.passed] == [("AdminNetworkPolicy/protect-vault", 1)]
