"""``kubectl delete TYPE[,TYPE...] NAME...`` (or ``TYPE/NAME``) and ``delete -f FILE``.

As kubectl does, a missing object does not stop the others: each is deleted, then
every NotFound is reported (exit 1). A Deployment goes with its pods, a Namespace with
what is in it (:meth:`~netsim.scenario.kubectl_state.KubectlState.remove`).
"""

from __future__ import annotations

from collections.abc import Sequence

from netsim.errors import LookupFailed, ScenarioError
from netsim.scenario.kubectl_admin import CLUSTER_SCOPED, cluster_policy_key
from netsim.scenario.kubectl_cli import RESOURCES, KubectlError, parse_flags, type_and_names
from netsim.scenario.kubectl_manifests import manifest_files
from netsim.scenario.kubectl_state import KubectlState


def delete(state: KubectlState, words: Sequence[str], where: str) -> list[str]:
    """``kubectl delete`` (the words after the verb); kubectl's lines."""
    args = parse_flags(words, {"filename", "namespace"}, where, "delete")
    namespace = args.get("namespace", "default")
    if args.has("filename"):
        if args.positional:
            raise ScenarioError(f"{where}: give either -f FILE or TYPE NAME to delete")
        return manifest_files(state, "delete", args.get("filename"), args.get("namespace"), where)
    target = type_and_names(args.positional)
    if len(target) < 2:
        raise KubectlError("error: resource(s) were provided, but no name was specified")
    kinds = [RESOURCES.get(word.lower()) for word in target[0].split(",")]
    for word, kind in zip(target[0].split(","), kinds, strict=True):
        if kind is None:
            raise ScenarioError(f"{where}: netsim does not emulate resource type {word}")
    lines, errors = [], []
    for kind in kinds:  # kubectl goes on past a missing object, then reports it
        for name in target[1:]:
            key = name if kind == "Namespace" else f"{namespace}/{name}"
            if kind in CLUSTER_SCOPED:
                key = cluster_policy_key(str(kind), name)
            try:
                lines += state.remove(str(kind), key)
            except LookupFailed as exc:
                errors.append(f"Error from server (NotFound): {exc}")
    if errors:
        raise KubectlError("\n".join(lines + errors))
    return lines
