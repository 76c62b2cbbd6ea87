"""Rule references read as the field paths of the objects they point into."""

from __future__ import annotations

from netsim.policy.verdict import RuleRef


def test_a_networkpolicy_rule_path() -> None:
    ref = RuleRef("default/web", "ingress", 0, peer=1, port=2)
    assert str(ref) == "default/web spec.ingress[0].from[1] ports[2]"


def test_a_v1alpha2_cluster_network_policy_names_its_ports_protocols() -> None:
    """ClusterNetworkPolicy (v1alpha2) rules list their ports under ``protocols``
    (https://network-policy-api.sigs.k8s.io/reference/spec/); v1alpha1 kinds say ``ports``."""
    cnp = RuleRef("ClusterNetworkPolicy/api", "egress", 1, peer=0, port=3)
    assert cnp.path == "spec.egress[1].to[0] protocols[3]"
    anp = RuleRef("AdminNetworkPolicy/api", "egress", 1, peer=0, port=3)
    assert anp.path == "spec.egress[1].to[0] ports[3]"
