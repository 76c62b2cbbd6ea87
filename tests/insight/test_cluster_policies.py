"""netsim diff and lint with AdminNetworkPolicy, BaselineAdminNetworkPolicy and
ClusterNetworkPolicy.

Topology (fixtures/admin/topology.yaml): namespace app (team=app) with web (role=web) and
api (role=api); namespace data (team=data) with db and db-replica (role=db, named ports
pg 5432/TCP and metrics 9187/TCP). No NetworkPolicy anywhere, so without cluster-wide
policies every connection is allowed.

- anp-deny-db-ports.yaml: subject namespace data, ingress Deny from role=web pods of any
  namespace on TCP 5432-5440 (a portRange no NetworkPolicy names).
- banp-deny-metrics.yaml: subject namespace data, ingress Deny from every pod on the named
  port metrics, which resolves on the db pods to 9187/TCP (and to nothing in UDP/SCTP).
- cnp-deny-api.yaml (ClusterNetworkPolicy v1alpha2, Admin tier): subject namespace data,
  ingress Deny from role=api on protocols UDP 7000-7009 and destinationNamedPort pg.

Admin Deny decides before NetworkPolicy, baseline Deny applies when no NetworkPolicy
isolates the pod (network-policy-api reference spec; docs/SEMANTICS.md).
"""

from __future__ import annotations

from pathlib import Path

from netsim.insight.checks import CHECKS
from netsim.insight.diff import diff_clusters
from netsim.insight.diffreport import render
from netsim.insight.inputs import load_sides
from netsim.insight.lint import run
from netsim.insight.lintinput import load_lint_input
from netsim.insight.space import Grid
from netsim.model.load import load_cluster

ADMIN = Path(__file__).parent / "fixtures" / "admin"
TOPOLOGY = str(ADMIN / "topology.yaml")
ANP = str(ADMIN / "anp-deny-db-ports.yaml")
BANP = str(ADMIN / "banp-deny-metrics.yaml")


def rows(old: str, new: str, topology: bool = True) -> set[tuple[str, str, str, str, str]]:
    """The pod-level change rows of ``netsim diff --topology TOPOLOGY OLD NEW`` (of
    ``netsim diff OLD NEW`` when ``topology`` is False)."""
    a, b = load_sides(old, new, [TOPOLOGY] if topology else None)
    diff = diff_clusters(a, b, group_by="pod")
    return {(c.change, str(c.src), str(c.dst), c.protocol, c.ports_text) for c in diff.changes}


def test_diff_finds_a_port_range_only_an_admin_policy_names() -> None:
    # Only web is in the ANP's from; the range is cut out of 1-65535 exactly.
    assert rows(TOPOLOGY, ANP) == {
        ("removed", "app/web", "data/db", "TCP", "5432-5440"),
        ("removed", "app/web", "data/db-replica", "TCP", "5432-5440"),
    }
    # and back: the same pairs gain the range.
    assert rows(ANP, TOPOLOGY) == {
        ("added", "app/web", "data/db", "TCP", "5432-5440"),
        ("added", "app/web", "data/db-replica", "TCP", "5432-5440"),
    }


def test_diff_of_whole_clusters_finds_the_admin_port_range(tmp_path: Path) -> None:
    # The same change between two complete manifest sets (no --topology).
    new = tmp_path / "with-anp.yaml"
    new.write_text(Path(TOPOLOGY).read_text() + "---\n" + Path(ANP).read_text())
    assert rows(TOPOLOGY, str(new), topology=False) == {
        ("removed", "app/web", "data/db", "TCP", "5432-5440"),
        ("removed", "app/web", "data/db-replica", "TCP", "5432-5440"),
    }


def test_diff_resolves_a_baseline_named_port_on_the_destination() -> None:
    # metrics is 9187/TCP on both db pods; every other pod loses it, UDP/SCTP keep 9187.
    assert rows(TOPOLOGY, BANP) == {
        ("removed", src, dst, "TCP", "9187")
        for src, dst in [
            ("app/web", "data/db"),
            ("app/api", "data/db"),
            ("data/db-replica", "data/db"),
            ("app/web", "data/db-replica"),
            ("app/api", "data/db-replica"),
            ("data/db", "data/db-replica"),
        ]
    }


def test_the_grid_is_cut_at_cluster_policy_ports() -> None:
    a, b = load_sides(ANP, BANP, [TOPOLOGY])
    grid = Grid.of([a, b])
    assert dict(grid.ports) == {"TCP": (1, 5432, 5441, 9187, 9188), "UDP": (1,), "SCTP": (1,)}


def test_networks_peers_tell_pods_with_equal_labels_apart(tmp_path: Path) -> None:
    # An egress Deny to db's own address (networks match pod IPs too) cuts app -> db on
    # every port and leaves db-replica, whose namespace, labels and ports are db's, open.
    ip = load_cluster([TOPOLOGY]).pods["data/db"].ip
    anp = tmp_path / "deny-db-ip.yaml"
    anp.write_text(
        Path(TOPOLOGY).read_text() + "---\n"
        "apiVersion: policy.networking.k8s.io/v1alpha1\n"
        "kind: AdminNetworkPolicy\n"
        "metadata: {name: deny-db-ip}\n"
        "spec:\n"
        "  priority: 1\n"
        "  subject: {namespaces: {matchLabels: {team: app}}}\n"
        "  egress:\n"
        "  - {name: no-db, action: Deny, to: [{networks: ['" + ip + "/32']}]}\n"
    )
    assert rows(TOPOLOGY, str(anp), topology=False) == {
        ("removed", src, "data/db", protocol, "all")
        for src in ("app/api", "app/web")
        for protocol in ("TCP", "UDP", "SCTP")
    }


def test_lint_runs_on_a_cluster_with_cluster_policies() -> None:
    # No NetworkPolicy, so no NetworkPolicy check finds anything; only the DNS check is
    # skipped (the input has no kube-dns).
    result = run(load_lint_input([TOPOLOGY, ANP, BANP]), CHECKS)
    assert result.findings == ()
    assert [s.id for s in result.skipped] == ["NP001"]


def test_diff_reads_a_cluster_network_policy_protocols() -> None:
    # v1alpha2 protocols: a UDP range and a destinationNamedPort (pg is 5432/TCP on the
    # db pods; no pod declares pg in UDP or SCTP, so those keep 5432).
    cnp = str(ADMIN / "cnp-deny-api.yaml")
    assert rows(TOPOLOGY, cnp) == {
        ("removed", "app/api", dst, protocol, ports)
        for dst in ("data/db", "data/db-replica")
        for protocol, ports in (("TCP", "5432"), ("UDP", "7000-7009"))
    }


def test_lint_names_the_admin_policy_that_makes_a_network_policy_redundant(
    tmp_path: Path,
) -> None:
    # An admin Allow of all egress (networks 0.0.0.0/0 holds every IPv4 address, pods
    # included) decides before NetworkPolicy, so a deny-all-egress NetworkPolicy on the db
    # pods changes no verdict (NP016), and the finding says who decides instead.
    path = tmp_path / "redundant.yaml"
    path.write_text(
        "apiVersion: policy.networking.k8s.io/v1alpha1\n"
        "kind: AdminNetworkPolicy\n"
        "metadata: {name: data-open}\n"
        "spec:\n"
        "  priority: 1\n"
        "  subject: {namespaces: {matchLabels: {team: data}}}\n"
        "  egress:\n"
        "  - {name: all, action: Allow, to: [{networks: ['0.0.0.0/0']}]}\n"
        "---\n"
        "apiVersion: networking.k8s.io/v1\n"
        "kind: NetworkPolicy\n"
        "metadata: {name: db-no-egress, namespace: data}\n"
        "spec:\n"
        "  podSelector: {matchLabels: {role: db}}\n"
        "  policyTypes: [Egress]\n"
    )
    result = run(load_lint_input([TOPOLOGY, str(path)]), CHECKS)
    assert [(f.id, f.policy, f.message) for f in result.findings] == [
        (
            "NP016",
            "data/db-no-egress",
            "removing this policy changes no verdict: what it allows and isolates is "
            "already decided by AdminNetworkPolicy/data-open",
        )
    ]


def test_csv_names_the_cluster_policy_that_denies() -> None:
    # The db pods are isolated by no NetworkPolicy: the denier is the CNP's rule.
    a, b = load_sides(TOPOLOGY, str(ADMIN / "cnp-deny-api.yaml"), [TOPOLOGY])
    lines = render(diff_clusters(a, b, group_by="namespace"), "csv").splitlines()
    assert lines[1:] == [
        "removed,app,data,TCP,5432,not-isolated,,,,ingress,ClusterNetworkPolicy/api-not-db,2",
        "removed,app,data,UDP,7000-7009,not-isolated,,,,ingress,ClusterNetworkPolicy/api-not-db,2",
    ]


def test_lint_on_the_shipped_admin_manifests(tmp_path: Path) -> None:
    """netsim/scenarios/admin over pods vault/vault, team-a/api, team-b/billing: the ANP
    protect-vault denies every other namespace's egress into vault, and the baseline denies
    ingress from pods only, so vault's allow-all-ingress NetworkPolicy changes no verdict
    (outside addresses reach vault with or without it). The finding names both."""
    topology = tmp_path / "pods.yaml"
    topology.write_text(
        "".join(
            f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n---\n"
            f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {pod}, namespace: {ns}, "
            f"labels: {{app: {pod}}}}}\nspec: {{containers: [{{name: a, image: nginx}}]}}\n---\n"
            for ns, pod in (("vault", "vault"), ("team-a", "api"), ("team-b", "billing"))
        )
    )
    admin = Path(__file__).parents[2] / "netsim" / "scenarios" / "admin"
    result = run(load_lint_input([str(topology), str(admin)]), CHECKS)
    found = {(f.id, f.policy): f.message for f in result.findings}
    assert found[("NP016", "vault/allow-all-ingress")].endswith(
        "already decided by AdminNetworkPolicy/protect-vault, BaselineAdminNetworkPolicy/default"
    )
    assert ("NP016", "team-a/api-allow-team-b") not in found
