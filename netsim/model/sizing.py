"""How many nodes a cluster gets when the manifests declare none.

A real cluster runs at most ``--max-pods`` pods per node (kubelet's default is 110,
https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/) and gives
each node a /24 of the pod range (kube-controller-manager's default
``--node-cidr-mask-size`` for IPv4). netsim sizes a cluster the same way: the fewest
nodes ``node-1`` ... ``node-N`` (pod CIDR ``10.244.N.0/24``) that hold every pod at
110 per node, counting one pod per node for each DaemonSet. ``--nodes N`` overrides
the count.
"""

from __future__ import annotations

from netsim.errors import NetsimError

MAX_PODS_PER_NODE = 110
"""kubelet's default ``--max-pods``."""
MAX_DEFAULT_NODES = 254
"""Default nodes get 10.244.N.0/24 and the address 172.18.0.(N+1): N = 1 ... 254."""


class SizingError(NetsimError):
    """A node count that cannot be built (too many nodes, or pods that do not fit)."""


def nodes_needed(pods: int, daemonsets: int = 0) -> int:
    """The fewest nodes holding ``pods`` pods plus one pod per node of each DaemonSet.

    With ``n`` nodes a node holds ``daemonsets`` DaemonSet pods and at most
    ``110 - daemonsets`` others, so ``n = ceil(pods / (110 - daemonsets))`` (at least 1).
    """
    room = MAX_PODS_PER_NODE - daemonsets
    if room <= 0:
        raise SizingError(
            f"{daemonsets} DaemonSets leave no room for other pods on a node "
            f"(at most {MAX_PODS_PER_NODE} pods per node)"
        )
    count = max(1, -(-pods // room))
    check_node_count(count)
    return count


def check_node_count(count: int) -> None:
    """Raise SizingError unless 1 <= ``count`` <= 254 (the default ranges' room)."""
    if not 1 <= count <= MAX_DEFAULT_NODES:
        raise SizingError(
            f"{count} nodes: netsim's default node and pod ranges hold 1 to "
            f"{MAX_DEFAULT_NODES} nodes (declare Node objects with their spec.podCIDR "
            "for a larger cluster)"
        )


def default_node_names(count: int) -> tuple[str, ...]:
    """``node-1`` ... ``node-<count>``, the names :meth:`Cluster.add_default_node` gives."""
    return tuple(f"node-{n}" for n in range(1, count + 1))
