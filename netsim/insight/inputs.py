"""Loading the two sides of a diff: whole clusters, or policies over a shared topology."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from netsim.errors import LoadError
from netsim.model.adminpolicy import ClusterPolicy
from netsim.model.cluster import Cluster
from netsim.model.load import Manifests, load_cluster, load_documents, manifests_into_cluster
from netsim.model.netpol import NetworkPolicy

POLICY_TYPES = (NetworkPolicy, ClusterPolicy)
"""What ``--topology`` takes from OLD and NEW: NetworkPolicies and the cluster-wide kinds."""


def with_topology(policies: Sequence[str | Path], topology: Sequence[str | Path]) -> Cluster:
    """A cluster of ``topology``'s objects other than policies, plus ``policies``'
    NetworkPolicies, AdminNetworkPolicies, BaselineAdminNetworkPolicies and
    ClusterNetworkPolicies (their other objects are ignored)."""
    base = load_documents(topology)
    extra = load_documents(policies)
    objects = [item for item in base.objects if not isinstance(item[1], POLICY_TYPES)]
    objects += [item for item in extra.objects if isinstance(item[1], POLICY_TYPES)]
    return manifests_into_cluster(Manifests(tuple(objects)))


def load_sides(
    old: str, new: str, topology: Sequence[str] | None = None
) -> tuple[Cluster, Cluster]:
    """The OLD and NEW clusters (files, directories or ``-``, at most one of them stdin)."""
    if old == "-" and new == "-":
        raise LoadError("OLD and NEW cannot both be - (stdin)")
    if topology:
        return with_topology([old], topology), with_topology([new], topology)
    return load_cluster([old]), load_cluster([new])
