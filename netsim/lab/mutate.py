"""The mutation audit of ``netsim lab test``: the misconception catalogue applied to a correct
answer (``netsim/labs/README.md`` explains it for teachers).

:func:`mutants` turns a lab's solution (manifest dicts) into wrong answers,
one per operator and site, each embodying one catalogue misconception; a lab
whose checks still give a mutant full marks does not test that misconception.
The input is never changed: every mutant is a deep copy. Mutants are listed
operator by operator (the order of :data:`OPERATORS`), then document by
document and field path by field path, and each is valid for the apiserver
(invalid ones are dropped). :func:`command_mutants` does the same for labs
answered with shell commands (``kubectl label``).
"""

from __future__ import annotations

import copy
import shlex
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netsim.errors import NetsimError
from netsim.lab.misconceptions import target_port_on
from netsim.model.cluster import Cluster
from netsim.model.labels import NAMESPACE_NAME_LABEL
from netsim.model.load import object_from_dict
from netsim.model.netpol import NetworkPolicy
from netsim.model.objects import Pod

Doc = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Mutant:
    """One wrong answer derived from a correct one."""

    misconception: str  # catalogue id the mutation embodies
    description: str  # "default/allow-monitoring spec.ingress[0].from[0]: split into two peers"
    documents: tuple[dict[str, Any], ...]  # the mutated answer manifests
    operator: str = ""  # the operator that made it (see OPERATORS)


@dataclass(frozen=True, slots=True)
class Site:
    """Where an operator changes one policy: the document's index, its key and the field path."""

    index: int
    key: str
    path: str


Edit = Callable[[Doc], None]
"""Changes the ``spec`` of the copied policy in place."""
Found = tuple[Site, str, Edit]
"""One place an operator applies: the site, what it does (text) and the edit."""
Operator = Callable[[Sequence[Mapping[str, Any]], Cluster], Iterator[Found]]


# ------------------------------------------------------------------ walking
def _policies(
    documents: Sequence[Mapping[str, Any]],
) -> Iterator[tuple[int, str, Mapping[str, Any]]]:
    """(index, ns/name, spec) of every NetworkPolicy document with a mapping spec."""
    for index, doc in enumerate(documents):
        if not isinstance(doc, Mapping) or doc.get("kind") != "NetworkPolicy":
            continue
        meta, spec = doc.get("metadata"), doc.get("spec")
        if isinstance(meta, Mapping) and isinstance(spec, Mapping):
            yield index, f"{meta.get('namespace') or 'default'}/{meta.get('name')}", spec


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _peers_key(direction: str) -> str:
    return "from" if direction == "ingress" else "to"


def _rules(spec: Mapping[str, Any]) -> Iterator[tuple[str, int, Mapping[str, Any]]]:
    for direction in ("ingress", "egress"):
        for i, rule in enumerate(_list(spec.get(direction))):
            if isinstance(rule, Mapping):
                yield direction, i, rule


def _peers(spec: Mapping[str, Any]) -> Iterator[tuple[str, int, int, Mapping[str, Any]]]:
    """(direction, rule index, peer index, peer) of every peer."""
    for direction, i, rule in _rules(spec):
        for j, peer in enumerate(_list(rule.get(_peers_key(direction)))):
            if isinstance(peer, Mapping):
                yield direction, i, j, peer


def _rule_path(direction: str, i: int) -> str:
    return f"spec.{direction}[{i}]"


def _peer_path(direction: str, i: int, j: int) -> str:
    return f"{_rule_path(direction, i)}.{_peers_key(direction)}[{j}]"


def _peer_list(spec: Doc, direction: str, i: int) -> list[Any]:
    result: list[Any] = spec[direction][i][_peers_key(direction)]
    return result


def _shape(peer: Mapping[str, Any]) -> str:
    keys = {k for k in ("podSelector", "namespaceSelector", "ipBlock") if k in peer}
    if keys == {"podSelector", "namespaceSelector"}:
        return "both"
    return {frozenset({"podSelector"}): "pod", frozenset({"namespaceSelector"}): "ns"}.get(
        frozenset(keys), ""
    )


# ------------------------------------------------------------ the operators
def merge_peers(documents: Sequence[Mapping[str, Any]], cluster: Cluster) -> Iterator[Found]:
    """selector-and-or: two neighbouring peers (namespace-only, pod-only) become one (AND)."""
    for index, key, spec in _policies(documents):
        for direction, i, rule in _rules(spec):
            peers = _list(rule.get(_peers_key(direction)))
            for j in range(len(peers) - 1):
                a, b = peers[j], peers[j + 1]
                if not (isinstance(a, Mapping) and isinstance(b, Mapping)):
                    continue
                if {_shape(a), _shape(b)} != {"pod", "ns"}:
                    continue

                def edit(s: Doc, d: str = direction, i: int = i, j: int = j) -> None:
                    items = _peer_list(s, d, i)
                    items[j : j + 2] = [{**items[j], **items[j + 1]}]

                site = Site(index, key, f"{_peer_path(direction, i, j)}..[{j + 1}]")
                yield site, "merged two peers into one peer with both selectors", edit


def split_peers(documents: Sequence[Mapping[str, Any]], cluster: Cluster) -> Iterator[Found]:
    """selector-and-or: a peer with both selectors becomes two peers (OR)."""
    for index, key, spec in _policies(documents):
        for direction, i, j, peer in _peers(spec):
            if _shape(peer) != "both":
                continue

            def edit(s: Doc, d: str = direction, i: int = i, j: int = j) -> None:
                items = _peer_list(s, d, i)
                item = items[j]
                items[j : j + 1] = [
                    {"namespaceSelector": item["namespaceSelector"]},
                    {"podSelector": item["podSelector"]},
                ]

            site = Site(index, key, _peer_path(direction, i, j))
            yield site, "split into two peers", edit


def _policy_model(doc: Mapping[str, Any]) -> NetworkPolicy | None:
    try:
        objects = object_from_dict(copy.deepcopy(dict(doc)))
    except NetsimError:
        return None
    found = [o for o in objects if isinstance(o, NetworkPolicy)]
    return found[0] if found else None


def _own_namespace_only(cluster: Cluster, namespace: str, selector: Any) -> bool:
    """The namespaceSelector (as a manifest) matches exactly the policy's own namespace."""
    labels = _map(_map(selector).get("matchLabels"))
    if labels.get(NAMESPACE_NAME_LABEL) == namespace:
        return True
    probe = _policy_model(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "probe", "namespace": namespace},
            "spec": {"ingress": [{"from": [{"namespaceSelector": selector}]}]},
        }
    )
    if probe is None or not probe.ingress or not probe.ingress[0].peers:
        return False
    sel = probe.ingress[0].peers[0].namespace_selector
    if sel is None:
        return False
    matched = {n for n, ns in cluster.namespaces.items() if sel.matches(ns.labels)}
    return matched == {namespace}


def drop_namespace_selector(
    documents: Sequence[Mapping[str, Any]], cluster: Cluster
) -> Iterator[Found]:
    """podselector-same-ns: a peer with both selectors loses its namespaceSelector."""
    for index, key, spec in _policies(documents):
        namespace = key.split("/", 1)[0]
        for direction, i, j, peer in _peers(spec):
            if _shape(peer) != "both":
                continue
            if _own_namespace_only(cluster, namespace, peer["namespaceSelector"]):
                continue  # dropping it changes nothing

            def edit(s: Doc, d: str = direction, i: int = i, j: int = j) -> None:
                del _peer_list(s, d, i)[j]["namespaceSelector"]

            yield Site(index, key, _peer_path(direction, i, j)), "dropped namespaceSelector", edit


def _ports(spec: Mapping[str, Any]) -> Iterator[tuple[str, int, int, Mapping[str, Any]]]:
    for direction, i, rule in _rules(spec):
        for k, port in enumerate(_list(rule.get("ports"))):
            if isinstance(port, Mapping) and port.get("port") is not None:
                yield direction, i, k, port


def _service_ports_for(cluster: Cluster, value: int | str, protocol: str) -> list[tuple[int, str]]:
    """(Service port, Service port name) reaching pod port ``value`` (a number or name)."""
    found: set[tuple[int, str]] = set()
    for service in cluster.services.values():
        for pod in cluster.endpoints(service):
            for sp in service.ports:
                if sp.protocol != protocol:
                    continue
                reached = target_port_on(pod, sp)
                wanted = value if isinstance(value, int) else pod.named_port(value, sp.protocol)
                if reached is not None and reached == wanted and sp.port != reached:
                    found.add((sp.port, sp.name))
    return sorted(found)


def _set_port(direction: str, i: int, k: int, value: int | str) -> Edit:
    def edit(s: Doc) -> None:
        port = s[direction][i]["ports"][k]
        port["port"] = value
        port.pop("endPort", None)

    return edit


def _port_path(direction: str, i: int, k: int) -> str:
    return f"{_rule_path(direction, i)}.ports[{k}].port"


def service_port(documents: Sequence[Mapping[str, Any]], cluster: Cluster) -> Iterator[Found]:
    """service-vs-pod-port: a pod port reached through a Service becomes that Service's port."""
    for index, key, spec in _policies(documents):
        for direction, i, k, port in _ports(spec):
            value, protocol = port["port"], str(port.get("protocol") or "TCP")
            for number in sorted({n for n, _ in _service_ports_for(cluster, value, protocol)}):
                site = Site(index, key, _port_path(direction, i, k))
                what = f"Service port {number} for pod port {value}"
                yield site, what, _set_port(direction, i, k, number)


def _declared_names(cluster: Cluster) -> set[str]:
    return {cp.name for p in cluster.pods.values() for cp in p.container_ports if cp.name}


def named_port(documents: Sequence[Mapping[str, Any]], cluster: Cluster) -> Iterator[Found]:
    """named-port: a port becomes the Service port's name, which no pod declares."""
    names = _declared_names(cluster)
    for index, key, spec in _policies(documents):
        for direction, i, k, port in _ports(spec):
            value, protocol = port["port"], str(port.get("protocol") or "TCP")
            for _, name in _service_ports_for(cluster, value, protocol):
                if not name or name in names or name == value:
                    continue
                site = Site(index, key, _port_path(direction, i, k))
                what = f"the Service port's name {name!r} for {value}"
                yield site, what, _set_port(direction, i, k, name)


def _effective_types(spec: Mapping[str, Any]) -> set[str]:
    if "policyTypes" in spec:
        return {str(t) for t in _list(spec.get("policyTypes"))}
    return {"Ingress", "Egress"} if _list(spec.get("egress")) else {"Ingress"}


def drop_policy_types(documents: Sequence[Mapping[str, Any]], cluster: Cluster) -> Iterator[Found]:
    """policytypes-default: ``policyTypes`` removed where the defaults differ from it."""
    for index, key, spec in _policies(documents):
        if "policyTypes" not in spec:
            continue
        without = {k: v for k, v in spec.items() if k != "policyTypes"}
        if _effective_types(without) == _effective_types(spec):
            continue

        def edit(s: Doc) -> None:
            del s["policyTypes"]

        yield Site(index, key, "spec.policyTypes"), "removed (defaults apply)", edit


def _is_dns_port(port: Any) -> bool:
    return isinstance(port, Mapping) and port.get("port") in (53, "53", "dns", "dns-tcp")


def drop_dns(documents: Sequence[Mapping[str, Any]], cluster: Cluster) -> Iterator[Found]:
    """dns-egress: the egress rule (or its ports) allowing port 53 removed."""
    for index, key, spec in _policies(documents):
        for i, rule in enumerate(_list(spec.get("egress"))):
            ports = _list(_map(rule).get("ports"))
            if not any(_is_dns_port(p) for p in ports):
                continue

            def edit(s: Doc, i: int = i) -> None:
                rule = s["egress"][i]
                kept = [p for p in rule["ports"] if not _is_dns_port(p)]
                if kept:
                    rule["ports"] = kept
                else:
                    del s["egress"][i]

            yield Site(index, key, _rule_path("egress", i)), "removed the DNS (53) rule", edit


def empty_for_absent(documents: Sequence[Mapping[str, Any]], cluster: Cluster) -> Iterator[Found]:
    """empty-vs-absent: a from/to list removed, a labelled podSelector as ``{}``, rules ``[{}]``."""
    for index, key, spec in _policies(documents):
        for direction, i, rule in _rules(spec):
            if _list(rule.get(_peers_key(direction))):

                def drop(s: Doc, d: str = direction, i: int = i) -> None:
                    del s[d][i][_peers_key(d)]

                path = f"{_rule_path(direction, i)}.{_peers_key(direction)}"
                yield Site(index, key, path), "removed (absent: all peers)", drop
        for direction, i, j, peer in _peers(spec):
            if _map(peer.get("podSelector")):

                def clear(s: Doc, d: str = direction, i: int = i, j: int = j) -> None:
                    _peer_list(s, d, i)[j]["podSelector"] = {}

                path = f"{_peer_path(direction, i, j)}.podSelector"
                yield Site(index, key, path), "{} for a labelled selector", clear
        if _map(spec.get("podSelector")):

            def select_all(s: Doc) -> None:
                s["podSelector"] = {}

            yield Site(index, key, "spec.podSelector"), "{} for a labelled selector", select_all
        for direction in ("ingress", "egress"):
            if direction.capitalize() not in _effective_types(spec) or spec.get(direction) == [{}]:
                continue

            def allow_all(s: Doc, d: str = direction) -> None:
                s[d] = [{}]

            yield Site(index, key, f"spec.{direction}"), "[{}] (one empty rule)", allow_all


def name_label(documents: Sequence[Mapping[str, Any]], cluster: Cluster) -> Iterator[Found]:
    """ns-by-name: ``kubernetes.io/metadata.name`` in a namespaceSelector becomes ``name``."""
    for index, key, spec in _policies(documents):
        for direction, i, j, peer in _peers(spec):
            selector = _map(peer.get("namespaceSelector"))
            in_labels = NAMESPACE_NAME_LABEL in _map(selector.get("matchLabels"))
            in_expressions = any(
                _map(e).get("key") == NAMESPACE_NAME_LABEL
                for e in _list(selector.get("matchExpressions"))
            )
            if not (in_labels or in_expressions):
                continue

            def edit(s: Doc, d: str = direction, i: int = i, j: int = j) -> None:
                sel = _peer_list(s, d, i)[j]["namespaceSelector"]
                labels = sel.get("matchLabels")
                if isinstance(labels, dict) and NAMESPACE_NAME_LABEL in labels:
                    labels["name"] = labels.pop(NAMESPACE_NAME_LABEL)
                for expr in _list(sel.get("matchExpressions")):
                    if isinstance(expr, dict) and expr.get("key") == NAMESPACE_NAME_LABEL:
                        expr["key"] = "name"

            path = f"{_peer_path(direction, i, j)}.namespaceSelector"
            yield Site(index, key, path), f"name for {NAMESPACE_NAME_LABEL}", edit


def split_ports(documents: Sequence[Mapping[str, Any]], cluster: Cluster) -> Iterator[Found]:
    """rule-combination: a rule's ports moved into a rule of their own (a stray ``-``)."""
    for index, key, spec in _policies(documents):
        for direction, i, rule in _rules(spec):
            if not (_list(rule.get(_peers_key(direction))) and _list(rule.get("ports"))):
                continue

            def edit(s: Doc, d: str = direction, i: int = i) -> None:
                rule = s[d][i]
                ports = rule.pop("ports")
                s[d].insert(i + 1, {"ports": ports})

            yield Site(index, key, _rule_path(direction, i)), "ports split into a new rule", edit


def drop_ports(documents: Sequence[Mapping[str, Any]], cluster: Cluster) -> Iterator[Found]:
    """rule-without-ports: a rule with peers loses its ``ports`` (every port opens)."""
    for index, key, spec in _policies(documents):
        for direction, i, rule in _rules(spec):
            if not (_list(rule.get(_peers_key(direction))) and _list(rule.get("ports"))):
                continue

            def edit(s: Doc, d: str = direction, i: int = i) -> None:
                del s[d][i]["ports"]

            yield Site(index, key, f"{_rule_path(direction, i)}.ports"), "removed", edit


def merge_rules(documents: Sequence[Mapping[str, Any]], cluster: Cluster) -> Iterator[Found]:
    """rule-combination: two rules with peers and ports merged into one (peers × ports)."""
    for index, key, spec in _policies(documents):
        for direction in ("ingress", "egress"):
            rules = _list(spec.get(direction))
            for i in range(len(rules) - 1):
                pair = [_map(rules[i]), _map(rules[i + 1])]
                peers = _peers_key(direction)
                if not all(_list(r.get(peers)) and _list(r.get("ports")) for r in pair):
                    continue

                def edit(s: Doc, d: str = direction, i: int = i) -> None:
                    a, b = s[d][i], s[d][i + 1]
                    p = _peers_key(d)
                    s[d][i : i + 2] = [{p: a[p] + b[p], "ports": a["ports"] + b["ports"]}]

                site = Site(index, key, f"{_rule_path(direction, i)}..[{i + 1}]")
                yield site, "merged two rules into one", edit


def swap_selectors(documents: Sequence[Mapping[str, Any]], cluster: Cluster) -> Iterator[Found]:
    """policy-selects-target: spec.podSelector swapped with a peer's podSelector."""
    for index, key, spec in _policies(documents):
        own = _map(spec.get("podSelector"))
        for direction, i, j, peer in _peers(spec):
            if "podSelector" not in peer or _map(peer.get("podSelector")) == own:
                continue

            def edit(s: Doc, d: str = direction, i: int = i, j: int = j) -> None:
                item = _peer_list(s, d, i)[j]
                own = s.get("podSelector", {})
                s["podSelector"], item["podSelector"] = item["podSelector"], own

            path = f"{_peer_path(direction, i, j)}.podSelector"
            yield Site(index, key, path), "swapped with spec.podSelector", edit


def _matched_pods(cluster: Cluster, namespace: str, peer: Mapping[str, Any]) -> list[Pod]:
    """The pods a selector peer matches now (via a probe policy in ``namespace``)."""
    probe = _policy_model(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "probe", "namespace": namespace},
            "spec": {"ingress": [{"from": [dict(peer)]}]},
        }
    )
    if probe is None or not probe.ingress or not probe.ingress[0].peers:
        return []
    model = probe.ingress[0].peers[0]
    out = []
    for pod in cluster.sorted_pods():
        if not pod.ip or pod.host_network:
            continue
        if model.namespace_selector is None:
            ns_ok = pod.namespace == namespace
        else:
            ns_ok = model.namespace_selector.matches(cluster.namespace_labels(pod.namespace))
        if ns_ok and (model.pod_selector is None or model.pod_selector.matches(pod.labels)):
            out.append(pod)
    return out


def _host_cidr(ip: str) -> str:
    return f"{ip}/128" if ":" in ip else f"{ip}/32"


def pod_ip_block(documents: Sequence[Mapping[str, Any]], cluster: Cluster) -> Iterator[Found]:
    """ipblock-pod-ip: a selector peer replaced by ipBlocks of the pod IPs it matches now."""
    for index, key, spec in _policies(documents):
        namespace = key.split("/", 1)[0]
        for direction, i, j, peer in _peers(spec):
            if "ipBlock" in peer:
                continue
            pods = _matched_pods(cluster, namespace, peer)
            if not pods or len(pods) > 4:
                continue
            blocks = [{"ipBlock": {"cidr": _host_cidr(p.ip)}} for p in pods]

            def edit(s: Doc, d: str = direction, i: int = i, j: int = j, b: Any = blocks) -> None:
                _peer_list(s, d, i)[j : j + 1] = copy.deepcopy(b)

            what = "ipBlock of the pod IPs of " + ", ".join(p.key for p in pods)
            yield Site(index, key, _peer_path(direction, i, j)), what, edit


def drop_except(documents: Sequence[Mapping[str, Any]], cluster: Cluster) -> Iterator[Found]:
    """additive-no-deny: an ipBlock's ``except`` dropped (to be "denied" by a second policy)."""
    for index, key, spec in _policies(documents):
        for direction, i, j, peer in _peers(spec):
            if not _list(_map(peer.get("ipBlock")).get("except")):
                continue

            def edit(s: Doc, d: str = direction, i: int = i, j: int = j) -> None:
                del _peer_list(s, d, i)[j]["ipBlock"]["except"]

            path = f"{_peer_path(direction, i, j)}.ipBlock.except"
            yield Site(index, key, path), "removed, a deny policy added instead", edit


OPERATORS: tuple[tuple[str, str, Operator], ...] = (
    ("merge-peers", "selector-and-or", merge_peers),
    ("split-peers", "selector-and-or", split_peers),
    ("drop-namespace-selector", "podselector-same-ns", drop_namespace_selector),
    ("service-port", "service-vs-pod-port", service_port),
    ("named-port", "named-port", named_port),
    ("drop-policy-types", "policytypes-default", drop_policy_types),
    ("drop-dns", "dns-egress", drop_dns),
    ("empty-for-absent", "empty-vs-absent", empty_for_absent),
    ("name-label", "ns-by-name", name_label),
    ("split-ports", "rule-combination", split_ports),
    ("merge-rules", "rule-combination", merge_rules),
    ("drop-ports", "rule-without-ports", drop_ports),
    ("swap-selectors", "policy-selects-target", swap_selectors),
    ("pod-ip-block", "ipblock-pod-ip", pod_ip_block),
    ("drop-except", "additive-no-deny", drop_except),
)
"""(operator name, misconception id, operator), in the order mutants are listed."""


def _deny_policy(doc: Mapping[str, Any], direction: str) -> Doc:
    """A second policy selecting the same pods with no rules: the learner's "deny"."""
    meta = _map(doc.get("metadata"))
    spec = _map(doc.get("spec"))
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": f"{meta.get('name')}-deny", "namespace": meta.get("namespace")},
        "spec": {
            "podSelector": copy.deepcopy(spec.get("podSelector", {})),
            "policyTypes": [direction.capitalize()],
        },
    }


def _valid(doc: Mapping[str, Any]) -> bool:
    try:
        object_from_dict(copy.deepcopy(dict(doc)))
    except NetsimError:
        return False
    return True


def _build(
    documents: Sequence[Mapping[str, Any]], name: str, misconception: str, found: Found
) -> Mutant | None:
    site, what, edit = found
    copied: list[Doc] = [copy.deepcopy(dict(d)) for d in documents]
    edit(copied[site.index]["spec"])
    if name == "drop-except":
        direction = site.path.split("[", 1)[0].removeprefix("spec.")
        copied.insert(site.index + 1, _deny_policy(copied[site.index], direction))
    if copied[site.index] == documents[site.index] or not all(_valid(d) for d in copied):
        return None
    return Mutant(misconception, f"{site.key} {site.path}: {what}", tuple(copied), name)


def mutants(documents: Sequence[Mapping[str, Any]], cluster: Cluster) -> list[Mutant]:
    """Every mutant of a correct answer, in operator, document and path order, deduplicated."""
    out: list[Mutant] = []
    seen: list[tuple[dict[str, Any], ...]] = []
    for name, misconception, operator in OPERATORS:
        for found in operator(documents, cluster):
            mutant = _build(documents, name, misconception, found)
            if mutant is None or mutant.documents in seen:
                continue
            seen.append(mutant.documents)
            out.append(mutant)
    return out


# ------------------------------------------------------------ command labs
@dataclass(frozen=True, slots=True)
class LabelCommand:
    """A parsed ``kubectl label KIND NAME k=v ...`` line."""

    kind: str  # pod | namespace
    name: str
    namespace: str
    labels: tuple[tuple[str, str], ...]
    words: tuple[str, ...]


_POD_KINDS = {"pod", "pods", "po"}
_NS_KINDS = {"namespace", "namespaces", "ns"}


def parse_label(line: str) -> LabelCommand | None:
    """Parse a ``kubectl label`` line (``-n``/``--namespace``, ``kind/name`` too), else None."""
    try:
        words = shlex.split(line, comments=True)
    except ValueError:
        return None
    if len(words) < 4 or words[:2] != ["kubectl", "label"]:
        return None
    namespace, positional, skip = "default", [], False
    for n, word in enumerate(words[2:], start=2):
        if skip:
            skip = False
        elif word in ("-n", "--namespace"):
            namespace, skip = (words[n + 1] if n + 1 < len(words) else namespace), True
        elif word.startswith("--namespace="):
            namespace = word.split("=", 1)[1]
        elif not word.startswith("-"):
            positional.append(word)
    if positional and "/" in positional[0]:
        positional[0:1] = positional[0].split("/", 1)
    if len(positional) < 3:
        return None
    kind, name = positional[0].lower(), positional[1]
    kind = "pod" if kind in _POD_KINDS else "namespace" if kind in _NS_KINDS else ""
    labels = tuple((w.split("=", 1)[0], w.split("=", 1)[1]) for w in positional[2:] if "=" in w)
    if not kind or not labels:
        return None
    return LabelCommand(kind, name, namespace, labels, tuple(words))


def _replace_word(words: tuple[str, ...], old: str, new: str) -> str:
    out = [new if w == old else w for w in words]
    if out == list(words):  # kind/name form
        out = [w.replace(f"/{old}", f"/{new}") if w.endswith(f"/{old}") else w for w in words]
    return shlex.join(out)


def _other_value(value: str) -> str:
    for candidate in (value.capitalize(), value.upper(), value + "1"):
        if candidate != value:
            return candidate
    return value + "1"


def _other_targets(command: LabelCommand, cluster: Cluster) -> list[str]:
    if command.kind == "pod":
        return [p.name for p in cluster.pods_in(command.namespace) if p.name != command.name]
    return [n for n in sorted(cluster.namespaces) if n != command.name]


def _line_mutants(
    number: int, command: LabelCommand, cluster: Cluster
) -> Iterator[tuple[str, str, str]]:
    """(misconception, description, new line) for one label command."""
    target_id = "policy-selects-target" if command.kind == "pod" else "podselector-same-ns"
    for other in _other_targets(command, cluster):
        what = f"line {number}: label {command.kind} {other} instead of {command.name}"
        yield target_id, what, _replace_word(command.words, command.name, other)
    for key, value in command.labels:
        old = f"{key}={value}"
        new_value = f"{key}={_other_value(value)}"
        yield (
            target_id,
            f"line {number}: {new_value} for {old}",
            _replace_word(command.words, old, new_value),
        )
        if command.kind == "namespace":
            new_key = f"name={value}"
            misconception = "ns-by-name"
        else:
            new_key = f"{key.rsplit('/', 1)[-1]}s={value}"
            misconception = target_id
        if new_key != old:
            yield (
                misconception,
                f"line {number}: {new_key} for {old}",
                _replace_word(command.words, old, new_key),
            )


def command_mutants(
    lines: Sequence[str], cluster: Cluster
) -> list[tuple[str, str, tuple[str, ...]]]:
    """Mutants of a commands answer: (misconception, description, mutated lines).

    For each ``kubectl label`` line: label each other pod (namespace) instead,
    a different value (``access=True`` for ``access=true``), a different key
    (``name=`` for a namespace label, a plural key for a pod label).
    """
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for n, line in enumerate(lines):
        command = parse_label(line)
        if command is None:
            continue
        for misconception, what, new_line in _line_mutants(n + 1, command, cluster):
            mutated = (*lines[:n], new_line, *lines[n + 1 :])
            out.append((misconception, what, tuple(mutated)))
    return out
