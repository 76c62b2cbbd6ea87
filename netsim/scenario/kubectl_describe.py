"""``kubectl describe TYPE [NAME...]``: which objects, then their describer texts.

Pods, Services and NetworkPolicies are described as kubectl's own describers print
them (:mod:`netsim.scenario.describe`), the network-policy-api kinds by the generic
describer (:func:`netsim.scenario.kubectl_admin.describe_cluster_policy`). Several
objects are printed three newlines apart, as kubectl separates them.
"""

from __future__ import annotations

from collections.abc import Sequence

from netsim.errors import LookupFailed
from netsim.scenario.describe import DescribeSource, describe_objects
from netsim.scenario.kubectl_admin import (
    CLUSTER_SCOPED,
    cluster_policy_key,
    describe_cluster_policy,
)
from netsim.scenario.kubectl_cli import (
    PLURAL_RESOURCE,
    RESOURCES,
    KubectlError,
    UnsupportedCommand,
    parse_flags,
    type_and_names,
)
from netsim.scenario.kubectl_state import KubectlState

DESCRIBED = ("Pod", "Service", "NetworkPolicy", *sorted(CLUSTER_SCOPED))
"""The kinds ``describe`` emulates."""


def _unsupported(typed: str, where: str) -> UnsupportedCommand:
    return UnsupportedCommand(
        f"{where}: netsim describes pods, services, networkpolicies and anp/banp/cnp, not {typed}",
        f'error: netsim does not emulate "kubectl describe {typed}" '
        "(it describes pods, services, networkpolicies, adminnetworkpolicies, "
        "baselineadminnetworkpolicies and clusternetworkpolicies)",
    )


def describe(state: KubectlState, words: Sequence[str], where: str) -> list[str]:
    """``kubectl describe`` (the words after the verb): every object named, or every one
    of the kind (in the namespace, for a namespaced kind)."""
    args = parse_flags(words, {"namespace"}, where, "describe")
    items = type_and_names(args.positional)
    if not items:
        raise KubectlError("You must specify the type of resource to describe.")
    kind = str(RESOURCES.get(items[0].lower(), ""))
    if kind not in DESCRIBED:
        raise _unsupported(items[0], where)
    namespace = args.get("namespace", "default")
    store = state.store(kind)
    if kind in CLUSTER_SCOPED:
        keys = [cluster_policy_key(kind, n) for n in items[1:]] or sorted(
            k for k in store if k.startswith(f"{kind}/")
        )
    elif len(items) > 1:
        keys = [f"{namespace}/{n}" for n in items[1:]]
    else:
        keys = sorted(k for k in store if k.startswith(f"{namespace}/"))
    for key in keys:
        if key not in store:
            raise LookupFailed(f'{PLURAL_RESOURCE[kind]} "{key.rsplit("/", 1)[-1]}" not found')
    if kind in CLUSTER_SCOPED:
        policies = state.cluster.cluster_policies
        texts = [describe_cluster_policy(policies[k], state.created_at(kind, k)) for k in keys]
    else:
        source = DescribeSource(state.cluster, state.created_at, state.load_balancer_ip)
        texts = describe_objects(source, kind, keys)
    if not texts:
        where_found = "" if kind in CLUSTER_SCOPED else f" in {namespace} namespace"
        return [f"No resources found{where_found}."]
    return ["\n\n\n".join(text.rstrip("\n") for text in texts)]
