"""Field paths to YAML lines."""

from __future__ import annotations

from netsim.model.yamllines import line_of, lines_of, split_path

TEXT = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: x
  labels:
    "a.b/c": v
spec:
  podSelector: {}
  ingress:
  - from:
    - podSelector: {}
    - namespaceSelector:
        matchLabels: {team: ops}
    ports:
    - protocol: tcp
---
---
kind: List
items:
- kind: Pod
  metadata: {name: p}
"""


def test_split_path() -> None:
    assert split_path("spec.ingress[0].from[1]") == ["spec", "ingress", 0, "from", 1]
    assert split_path('metadata.labels["a.b/c"]') == ["metadata", "labels", "a.b/c"]
    assert split_path("metadata.labels[a.b/c]") == ["metadata", "labels", "a.b/c"]
    assert split_path("spec.ingress[0] ports[1]") == ["spec", "ingress", 0]


def test_lines() -> None:
    assert line_of(TEXT, 0, "spec.ingress[0].ports[0].protocol") == 15
    assert line_of(TEXT, 0, "spec.ingress[0].from[1].namespaceSelector.matchLabels") == 13
    assert line_of(TEXT, 0, "spec.ingress[0].from[1]") == 12
    assert line_of(TEXT, 0, 'metadata.labels["a.b/c"]') == 6
    assert line_of(TEXT, 0, "") == 1


def test_missing_field_gives_nearest_ancestor() -> None:
    assert line_of(TEXT, 0, "spec.egress[0].to") == 7
    assert line_of(TEXT, 0, "spec.ingress[3]") == 9
    assert line_of(TEXT, 0, "spec.podSelector.matchLabels") == 8


def test_documents_count_empty_ones() -> None:
    assert line_of(TEXT, 1, "spec") == 17  # an empty document: its own line
    assert line_of(TEXT, 2, "items[0].metadata.name") == 21
    assert line_of(TEXT, 9, "spec") is None


def test_bad_yaml_gives_none() -> None:
    assert line_of("a: [", 0, "a") is None
    assert lines_of("a: 1", []) == []
