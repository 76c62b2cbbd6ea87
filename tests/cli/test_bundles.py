"""Real bundles load as ``kubectl apply`` takes them (fixtures in tests/cli/bundles/).

Expected values follow kubectl and kustomize: an object given twice is applied twice
(identical: "unchanged"); a kustomization's ``namespace:`` replaces every namespaced
object's namespace; ``-n`` fills in missing namespaces and refuses different ones;
kinds that do not shape pod networking are skipped with one note; policies of other
APIs are skipped with a loud warning, and ``--strict`` makes them exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netsim.cli import main
from netsim.model.load import InvalidManifests, LoadOptions, load_documents
from netsim.model.netpol import NetworkPolicy
from netsim.model.objects import Namespace, Pod

BUNDLES = Path(__file__).resolve().parent / "bundles"
SOCK_SHOP = BUNDLES / "sock-shop"
BOUTIQUE = BUNDLES / "microservices-demo" / "kustomize"
STARS = BUNDLES / "stars"
CRDS = BUNDLES / "crds"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ----------------------------------------------------------- kubectl apply
def test_same_namespace_in_two_files_is_unchanged() -> None:
    manifests = load_documents([SOCK_SHOP], LoadOptions(recursive=True))
    namespaces = [o for _, o in manifests.objects if isinstance(o, Namespace)]
    assert [n.name for n in namespaces] == ["sock-shop"]
    first = f"{SOCK_SHOP}/deploy/complete-demo.yaml (document 0)"
    assert (
        f"{SOCK_SHOP}/network-policies/00-namespace.yaml (document 0): Namespace sock-shop: "
        f"unchanged (the same as {first})"
    ) in manifests.notes


def test_a_changed_repeat_is_configured_and_the_last_wins(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    a.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {v: '1'}}\n")
    b = tmp_path / "b.yaml"
    b.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {v: '2'}}\n")
    manifests = load_documents([a, b])
    (shop,) = [o for _, o in manifests.objects if isinstance(o, Namespace)]
    assert shop.labels.get("v") == "2"
    assert f"{b} (document 0): Namespace shop: configured (replaces {a} (document 0))" in (
        manifests.notes
    )


def test_a_service_given_twice_in_one_file_loads(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "matrix", str(STARS), "--port", "6379")
    assert code == 0
    assert "Service stars/backend: unchanged (the same as document 3)" in err
    # No NetworkPolicy of networking.k8s.io: every pod reaches every pod.
    assert "X" not in out


def test_directory_without_recursion_has_no_manifests_of_its_subdirectories(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "matrix", str(SOCK_SHOP))
    assert code == 2 and "no manifest files" in err
    code, out, _ = run(capsys, "matrix", str(SOCK_SHOP), "-R", "--group-by", "workload")
    assert code == 0
    # catalogue-access admits front-end on the named port http (= 80 on catalogue).
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[2:]}
    assert rows["sock-shop/front-end[Deployment]"][0] == "."
    assert rows["sock-shop/orders[Deployment]"][0] == "X"


# ---------------------------------------------------------------- kustomize
def test_kustomization_reads_resources_in_order_with_its_namespace() -> None:
    for manifests in (
        load_documents([], LoadOptions(kustomize=(str(BOUTIQUE),))),
        load_documents([BOUTIQUE]),  # a directory holding a kustomization.yaml
    ):
        pods = [o for _, o in manifests.objects if isinstance(o, Pod)]
        policies = [o for _, o in manifests.objects if isinstance(o, NetworkPolicy)]
        # namespace: boutique replaces cartservice's somewhere-else (kustomize's rule).
        assert {p.namespace for p in pods} == {"boutique"}
        assert [p.owner for p in pods] == [
            "Deployment/frontend",
            "Deployment/frontend",
            "Deployment/cartservice",
            "Deployment/redis-cart",
        ]
        # the component folder's own kustomization, in its resources' order
        assert [p.key for p in policies] == ["boutique/deny-all", "boutique/redis-cart"]


def test_kustomize_fields_netsim_does_not_render_are_errors(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")
    (tmp_path / "kustomization.yaml").write_text("resources:\n- a.yaml\ncommonLabels:\n  app: x\n")
    with pytest.raises(InvalidManifests) as info:
        load_documents([tmp_path])
    message = str(info.value)
    assert message.startswith(f"{tmp_path}/kustomization.yaml:3: commonLabels: not supported")
    assert "kustomize build" in message
    (tmp_path / "kustomization.yaml").write_text("resources:\n- a.yaml\n- missing.yaml\n")
    with pytest.raises(InvalidManifests, match=r"kustomization.yaml:3: resources\[1\]"):
        load_documents([], LoadOptions(kustomize=(str(tmp_path),)))


def test_minus_n_fills_namespaces_and_refuses_others(tmp_path: Path) -> None:
    f = tmp_path / "pods.yaml"
    f.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"
        "spec: {containers: [{name: c, image: nginx}]}\n"
    )
    manifests = load_documents([f], LoadOptions(namespace="shop"))
    assert [o.key for _, o in manifests.objects if isinstance(o, Pod)] == ["shop/a"]
    g = tmp_path / "other.yaml"
    g.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: dev}\n"
        "spec: {containers: [{name: c, image: nginx}]}\n"
    )
    with pytest.raises(InvalidManifests) as info:
        load_documents([g], LoadOptions(namespace="shop"))
    assert str(info.value) == (
        f"{g}:3 (document 0): Pod dev/b: metadata.namespace: the namespace from the provided "
        'object "dev" does not match the namespace "shop". You must pass '
        "'--namespace=dev' to perform this operation."
    )


# ------------------------------------------------------------ skipped kinds
def test_kinds_that_do_not_shape_networking_are_one_note(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "validate", str(CRDS))
    assert code == 0
    notes = [line for line in err.splitlines() if line.startswith("note: ")]
    assert notes == [
        "note: skipped 6 objects of kinds netsim does not simulate (they do not shape pod "
        "networking): AuthorizationPolicy (1), CustomResourceDefinition (1), Gateway (1), "
        "HTTPRoute (1), Role (1), VirtualService (1)"
    ]
    assert out.splitlines()[-1] == f"OK {CRDS}/gateway-istio.yaml: Pod default/web"


def test_a_near_miss_of_a_kind_netsim_reads_is_still_an_error(tmp_path: Path) -> None:
    f = tmp_path / "typo.yaml"
    f.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolcy\nmetadata: {name: p}\n")
    with pytest.raises(InvalidManifests, match='did you mean "NetworkPolicy"'):
        load_documents([f])
    f.write_text("apiVersion: v1\nkind: network policy\nmetadata: {name: p}\n")
    with pytest.raises(
        InvalidManifests,
        match=r"typo.yaml:2 \(document 0\): network policy default/p: kind: Invalid value",
    ):
        load_documents([f])


# ---------------------------------------------------------- ignored policies
IGNORED = [
    'Namespace stars: metadata.annotations["net.beta.kubernetes.io/network-policy"]',
    "NetworkPolicy stars/backend-from-frontend",
    "GlobalNetworkPolicy default-deny",
    "CiliumNetworkPolicy stars/l7",
    "CiliumClusterwideNetworkPolicy cluster-wide",
]
"""The bundle's policies of other APIs; its AdminNetworkPolicy pass-monitoring is evaluated
(issue 16), so it is not among them."""


def test_ignored_policies_are_warned_about_loudly(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "matrix", str(STARS))
    assert code == 0
    assert "warning: 5 policies netsim does not evaluate" in err
    for ref in IGNORED:
        assert any(ref in line for line in err.splitlines()), ref
    assert "pass-monitoring" not in err
    # They are not counted as kinds that do not shape networking.
    assert "skipped" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["matrix", str(STARS)],
        ["explain", str(STARS), "--from", "pod/frontend", "--to", "svc/backend", "--port", "6379"],
        ["validate", "--apply", str(STARS)],
        ["dataplane", "render", str(STARS)],
    ],
)
def test_strict_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    if argv[0] == "explain":
        argv = [*argv, "-n", "stars"]
    code, _, err = run(capsys, *argv, "--strict")
    assert code == 2
    assert "--strict: the manifests hold 5 policies netsim does not evaluate" in err
    assert "Traceback" not in err


def test_json_lists_the_ignored_policies(capsys: pytest.CaptureFixture[str]) -> None:
    explain = ["--from", "pod/frontend", "--to", "pod/backend", "-n", "stars", "--port", "6379"]
    for argv in (
        ["matrix", str(STARS), "--json"],
        ["explain", str(STARS), *explain, "--json"],
        ["validate", "--apply", str(STARS), "--json"],
    ):
        code, out, _ = run(capsys, *argv)
        assert code == 0, argv
        ignored = json.loads(out)["ignored"]
        assert [item["object"] for item in ignored] == IGNORED, argv
        assert ignored[1]["apiVersion"] == "projectcalico.org/v3"
        assert ignored[1]["what"] == "Calico policy not evaluated"


def test_a_folder_of_folders_without_r_says_to_use_r(capsys: pytest.CaptureFixture[str]) -> None:
    from netsim.cli import main

    assert main(["matrix", str(BUNDLES / "sock-shop")]) == 2
    err = capsys.readouterr().err
    assert "no manifest files" in err
    assert "-R reads them" in err
