"""Cluster-wide policies of the network-policy-api project as validated, frozen values.

One shape holds the three kinds of ``policy.networking.k8s.io``
(https://network-policy-api.sigs.k8s.io/reference/spec/):

- ``AdminNetworkPolicy`` (v1alpha1): the admin tier, ``priority`` 0-1000, actions
  ``Allow``/``Deny``/``Pass``;
- ``BaselineAdminNetworkPolicy`` (v1alpha1): the baseline tier, one object named
  ``default``, actions ``Allow``/``Deny``;
- ``ClusterNetworkPolicy`` (v1alpha2): ``tier`` ``Admin`` or ``Baseline``, ``priority``
  0-1000, actions ``Accept``/``Deny``/``Pass``, ports under ``protocols``.

Field names mirror v1alpha1 in snake_case; v1alpha2's ``protocols`` become the same
:class:`AdminPort` values (``tcp.destinationPort.number`` is a TCP port number,
``destinationNamedPort`` a named port). Actions keep their API spelling; :func:`verdict_of`
says what each one does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from netsim.addr import Prefix
from netsim.model.labels import Labels, LabelSelector
from netsim.model.netpol import Direction, Protocol
from netsim.model.objects import Node

ClusterPolicyKind = Literal[
    "AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"
]
CLUSTER_POLICY_KINDS: tuple[ClusterPolicyKind, ...] = (
    "AdminNetworkPolicy",
    "BaselineAdminNetworkPolicy",
    "ClusterNetworkPolicy",
)
Tier = Literal["Admin", "Baseline"]
Action = Literal["Allow", "Accept", "Deny", "Pass"]
Verdict = Literal["allow", "deny", "pass"]

BASELINE_NAME = "default"
"""The one name a BaselineAdminNetworkPolicy may have (the CRD's CEL rule)."""


def verdict_of(action: Action) -> Verdict:
    """What a rule's action does: ``Allow`` (v1alpha1) and ``Accept`` (v1alpha2) allow."""
    return {"Allow": "allow", "Accept": "allow", "Deny": "deny", "Pass": "pass"}[action]  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class NamespacedPods:
    """``pods``: pods matching ``pod_selector`` in namespaces matching ``namespace_selector``."""

    namespace_selector: LabelSelector = LabelSelector()
    pod_selector: LabelSelector = LabelSelector()


@dataclass(frozen=True, slots=True)
class AdminSubject:
    """``subject``: exactly one of ``namespaces`` (a namespace selector) or ``pods``."""

    namespaces: LabelSelector | None = None
    pods: NamespacedPods | None = None


@dataclass(frozen=True, slots=True)
class AdminPeer:
    """One ``from``/``to`` entry: exactly one field is set.

    ``nodes`` and ``networks`` exist on egress peers only; ``networks`` are canonical
    prefixes (host bits masked). ``domain_names`` are kept so messages can name them:
    netsim resolves no names, so such a peer matches no traffic (the loader warns).
    """

    namespaces: LabelSelector | None = None
    pods: NamespacedPods | None = None
    nodes: LabelSelector | None = None
    networks: tuple[Prefix, ...] = ()
    domain_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AdminPort:
    """One ``ports`` (v1alpha1) or ``protocols`` (v1alpha2) entry.

    A port number (``end_port`` None), an inclusive range ``port``..``end_port``, or a
    ``named_port`` resolved on the destination pod (``protocol`` None: the named
    container port's own protocol).
    """

    protocol: Protocol | None = "TCP"
    port: int | None = None
    end_port: int | None = None
    named_port: str | None = None


@dataclass(frozen=True, slots=True)
class AdminRule:
    """One ingress or egress rule: ``action`` when a peer AND a port match.

    ``ports`` empty means every port and protocol (the field was absent).
    """

    action: Action
    peers: tuple[AdminPeer, ...]
    ports: tuple[AdminPort, ...] = ()
    name: str = ""


@dataclass(frozen=True, slots=True)
class ClusterPolicy:
    """A validated AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy.

    ``priority`` is None for a BaselineAdminNetworkPolicy (it has none). ``namespace``
    is always empty: these objects are cluster-scoped.
    """

    kind: ClusterPolicyKind
    name: str
    tier: Tier
    subject: AdminSubject
    priority: int | None = None
    ingress: tuple[AdminRule, ...] = ()
    egress: tuple[AdminRule, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    api_version: str = ""

    @property
    def namespace(self) -> str:
        """Cluster-scoped: no namespace."""
        return ""

    @property
    def key(self) -> str:
        """``Kind/name``, the policy's identity in the Cluster, messages and RuleRefs."""
        return f"{self.kind}/{self.name}"

    def rules(self, direction: Direction) -> tuple[AdminRule, ...]:
        """The rules of one direction."""
        return self.ingress if direction == "ingress" else self.egress


NODE_HOSTNAME_LABEL = "kubernetes.io/hostname"


KUBELET_NODE_LABELS: Final = (("kubernetes.io/os", "linux"), ("kubernetes.io/arch", "amd64"))
"""Well-known labels the kubelet sets on its Node besides the hostname
(https://kubernetes.io/docs/reference/labels-annotations-taints/); netsim's nodes are
Linux on amd64."""


def node_labels(node: Node) -> Labels:
    """The labels a ``nodes`` peer is matched against: the kubelet's well-known ones
    (``kubernetes.io/hostname`` = the node's name, :data:`KUBELET_NODE_LABELS`) under
    the labels the Node manifest gives (a manifest's value wins, as a label written on
    the Node object does)."""
    labels = {NODE_HOSTNAME_LABEL: node.name, **dict(KUBELET_NODE_LABELS)}
    labels.update(node.labels.items)
    return Labels.of(labels)


BASELINE_ORDER = 1001
"""Where a BaselineAdminNetworkPolicy sorts among Baseline-tier ClusterNetworkPolicies:
after all of them (priorities stop at 1000; the API leaves mixing the two versions open)."""


def order_key(policy: ClusterPolicy) -> tuple[int, str, str]:
    """The evaluation order inside a tier: priority, then name, then kind.

    Same-priority policies are undefined by the API; netsim takes them by name (then
    kind), so the answer never depends on load order (docs/BEHAVIOUR.md).
    """
    priority = policy.priority if policy.priority is not None else BASELINE_ORDER
    return priority, policy.name, policy.kind


def tier_order(policies: Iterable[ClusterPolicy], tier: Tier) -> list[ClusterPolicy]:
    """The policies of one tier in evaluation order (:func:`order_key`)."""
    return sorted((p for p in policies if p.tier == tier), key=order_key)


def priority_warnings(policies: Iterable[ClusterPolicy]) -> list[str]:
    """One warning per priority that several policies of one tier share, naming them.

    The API says an implementation may apply any of them; netsim applies them in name order.
    """
    by_priority: dict[tuple[Tier, int], list[ClusterPolicy]] = {}
    for policy in policies:
        if policy.priority is not None:
            by_priority.setdefault((policy.tier, policy.priority), []).append(policy)
    out: list[str] = []
    for (tier, priority), same in sorted(by_priority.items()):
        if len(same) > 1:
            names = ", ".join(p.key for p in sorted(same, key=order_key))
            out.append(
                f"Warning: {tier} tier policies {names} share priority {priority}: the API "
                "leaves their order undefined (an implementation may apply any of them); "
                "netsim evaluates them in name order"
            )
    return out
