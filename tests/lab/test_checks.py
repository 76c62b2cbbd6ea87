"""Each check kind on a live runner."""

from __future__ import annotations

from netsim.lab.checks import forbid, matrix, reach, run_check, snapshot, unchanged
from netsim.lab.checkspec import (
    FlowPattern,
    ForbidSpec,
    MatrixSpec,
    PortRange,
    ReachSpec,
    UnchangedSpec,
)
from netsim.lab.grade import start
from netsim.scenario.kubectl import Kubectl

from .helpers import mini

RANGE_POLICY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "range", "namespace": "default"},
    "spec": {
        "podSelector": {"matchLabels": {"app": "web"}},
        "ingress": [{"ports": [{"port": 30000, "endPort": 30010, "protocol": "UDP"}]}],
    },
}


def apply(kubectl: Kubectl, *docs: dict[str, object]) -> None:
    kubectl.manifests("apply", docs, "test")


def test_reach_pod_and_service() -> None:
    runner = start(mini())
    try:
        engine = runner.hook.engine
        assert not reach(ReachSpec("default/client", "default/web", 80), engine).passed
        out = reach(ReachSpec("default/client", "svc:default/web", 8080, expect="deny"), engine)
        assert out.passed and out.got == "deny" and out.explanation is not None
        missing = reach(ReachSpec("default/nobody", "default/web", 80), engine)
        assert not missing.passed and missing.got.startswith("error:")
    finally:
        runner.close()


def test_forbid_finds_a_port_range_no_sampling_would() -> None:
    runner = start(mini())
    try:
        engine = runner.hook.engine
        spec = ForbidSpec("*", "default/web")
        assert forbid(spec, engine).passed
        apply(runner.kubectl, RANGE_POLICY)
        out = forbid(spec, engine)
        assert not out.passed and out.flow is not None
        assert (out.flow.protocol, out.flow.port) == ("UDP", 30000)
        excepted = ForbidSpec(
            "*", "default/web", except_=(FlowPattern(protocol="UDP", port=PortRange(30000, 30010)),)
        )
        assert forbid(excepted, engine).passed
        almost = ForbidSpec(
            "*", "default/web", except_=(FlowPattern(protocol="UDP", port=PortRange(30000, 30009)),)
        )
        failed = forbid(almost, engine)
        assert not failed.passed and failed.flow is not None and failed.flow.port == 30010
        only_tcp = ForbidSpec("*", "default/web", protocols=("TCP",))
        assert forbid(only_tcp, engine).passed
        outside = ForbidSpec(
            "0.0.0.0/0", "default/web", protocols=("UDP",), ports=(PortRange(30005, 30005),)
        )
        found = forbid(outside, engine)
        assert not found.passed and found.flow is not None and found.flow.port == 30005
    finally:
        runner.close()


def test_matrix_compares_cells_not_whitespace() -> None:
    runner = start(mini())
    try:
        engine = runner.hook.engine
        closed = "- default/client default/other default/web\n" + "\n".join(
            f"default/{p} " + " ".join("." if p == q else "X" for q in ("client", "other", "web"))
            for p in ("client", "other", "web")
        )
        assert matrix(MatrixSpec(80, closed, namespaces=("default",)), engine).passed
        apply(runner.kubectl, {**RANGE_POLICY, "spec": {"podSelector": {}, "ingress": [{}]}})
        out = matrix(MatrixSpec(80, closed, namespaces=("default",)), engine)
        assert not out.passed and out.flow is not None
        assert (out.flow.src, out.flow.dst) == ("default/client", "default/other")
        assert len(out.detail) == 6
    finally:
        runner.close()


def test_exec_runs_in_the_simulator() -> None:
    lab = mini()
    runner = start(lab)
    try:
        out = run_check(lab.check("wget"), runner, snapshot(runner))
        assert not out.passed
        assert "wget: download timed out" in out.output
        assert "remote file exists" in out.want
    finally:
        runner.close()


def test_unchanged_lists_the_changes() -> None:
    runner = start(mini())
    try:
        before = snapshot(runner)
        assert unchanged(UnchangedSpec(("NetworkPolicy",)), before, snapshot(runner)).passed
        apply(runner.kubectl, RANGE_POLICY)
        runner.kubectl.run("label pod client access=true", "test")
        out = unchanged(UnchangedSpec(("NetworkPolicy", "Pod")), before, snapshot(runner))
        assert not out.passed
        assert out.detail == ("created NetworkPolicy default/range", "changed Pod default/client")
    finally:
        runner.close()
