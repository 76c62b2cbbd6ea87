"""``kubectl label pod|ns NAME KEY=VALUE... [KEY-]... [--overwrite]``.

kubectl checks each update (:func:`~netsim.scenario.kubectl_objects.label_update`) and
refuses to change a value without ``--overwrite``; the apiserver checks the new labels
(:func:`~netsim.scenario.kubectl_objects.check_labels`).
"""

from __future__ import annotations

from collections.abc import Sequence

from netsim.errors import LookupFailed, ScenarioError
from netsim.model.objects import Namespace, Pod
from netsim.scenario.kubectl_cli import (
    RESOURCES,
    SINGULAR,
    KubectlError,
    parse_flags,
    type_and_names,
)
from netsim.scenario.kubectl_objects import check_labels, label_update
from netsim.scenario.kubectl_state import KubectlState


def label(state: KubectlState, words: Sequence[str], where: str) -> list[str]:
    """``kubectl label`` (the words after the verb); kubectl's ``labeled`` line."""
    args = parse_flags(words, {"overwrite", "namespace"}, where, "label")
    namespace = args.get("namespace", "default")
    items = type_and_names(args.positional)
    if len(items) < 3:
        raise KubectlError(
            "error: one or more resources must be specified as <resource> "
            "<name> or <resource>/<name>"
        )
    kind = RESOURCES.get(items[0].lower())
    if kind not in ("Pod", "Namespace"):
        raise ScenarioError(f"{where}: netsim labels pods and namespaces, not {items[0]}")
    name = items[1]
    obj: Pod | Namespace
    if kind == "Pod":
        obj = state.get_pod(namespace, name)
    else:
        found = state.cluster.namespaces.get(name)
        if found is None:
            raise LookupFailed(f'namespaces "{name}" not found')
        obj = found
    labels = obj.labels
    for change in items[2:]:
        if change.endswith("-") and "=" not in change:
            labels = labels.without(change[:-1])
            continue
        if "=" not in change:
            raise KubectlError(f"error: at least one label update is required: {change}")
        key, value = label_update(change)
        current = labels.get(key)
        if current is not None and current != value and not args.has("overwrite"):
            raise KubectlError(
                f"error: '{key}' already has a value ({current}), and --overwrite is false"
            )
        labels = labels.with_label(key, value)
    check_labels(str(kind), name, labels)
    if isinstance(obj, Pod):
        state.cluster.apply(obj.relabelled(labels))
    else:
        state.cluster.apply(Namespace(obj.name, labels))
    return [f'{SINGULAR[str(kind)]} "{name}" labeled']
