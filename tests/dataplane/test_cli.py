"""``netsim dataplane verify|render|clean`` exit codes and output."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from netsim.cli import main
from netsim.dataplane.system import list_netns

MANIFESTS = """\
apiVersion: v1
kind: Namespace
metadata: {name: x}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec:
  containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {app: b}}
spec:
  containers: [{name: c, image: busybox}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-b, namespace: x}
spec:
  podSelector: {matchLabels: {app: a}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: b}}}]
    ports: [{port: http}]
"""


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    path = tmp_path / "cluster.yaml"
    path.write_text(MANIFESTS)
    return path


def test_render_prints_the_ruleset(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dataplane", "render", str(manifests)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# node node-1\ntable inet netsim {")
    assert "chain ingress-x/a {" in out
    # x/b is the only allowed source, on x/a's named port http = TCP 80.
    b_ip = next(
        line.split()[2] for line in out.splitlines() if 'comment "x/only-b/ingress/0"' in line
    )
    assert b_ip.startswith("10.")
    assert f"ip saddr {b_ip} tcp dport 80 counter return" in out


def test_render_unknown_node(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dataplane", "render", "--node", "nope", str(manifests)]) != 0
    assert 'nodes "nope" not found' in capsys.readouterr().err


def test_verify_exits_77_saying_what_is_missing(
    manifests: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import netsim.dataplane.system as system

    monkeypatch.setattr(system, "missing_capabilities", lambda: ["the 'nft' tool"])
    assert main(["dataplane", "verify", str(manifests)]) == 77
    err = capsys.readouterr().err
    assert "missing the 'nft' tool" in err and "Traceback" not in err


def test_verify_rejects_a_bad_port(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The same --port syntax as netsim matrix (PORT or PORT/PROTOCOL).
    with pytest.raises(SystemExit) as exc:
        main(["dataplane", "verify", "--port", "80/ICMP", str(manifests)])
    assert exc.value.code == 2
    assert "unsupported protocol 'ICMP'" in capsys.readouterr().err


@pytest.mark.dataplane
def test_verify_agrees_exit_0_and_json(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["dataplane", "verify", "--timeout", "1.0", "--port", "80", "--port", "81"]
    assert main([*args, "--json", str(manifests)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["agreed"] is True
    assert report["pods"] == ["x/a", "x/b"]
    assert report["ports"] == ["80/TCP", "81/TCP"]
    # Rows are sources, columns destinations (x/a, x/b). x/a admits x/b on http (80)
    # only; x/b is not isolated; a pod always reaches itself.
    assert report["tables"]["80/TCP"] == {"kernel": ["..", ".."], "netsim": ["..", ".."]}
    assert report["tables"]["81/TCP"] == {"kernel": ["..", "X."], "netsim": ["..", "X."]}
    assert main([*args, "--tables", str(manifests)]) == 0
    out = capsys.readouterr().out
    assert "AGREE: 8/8 probes match netsim" in out
    assert "kernel truth table 81/TCP (! = disagrees with netsim):\n" in out
    # Upstream's layout: a header of destinations, one row per source.
    assert "\n    x/a x/b\nx/a   .   .\nx/b   X   .\n" in out


@pytest.mark.dataplane
def test_clean_says_when_there_is_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dataplane", "clean"]) == 0


@pytest.mark.dataplane
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT])
def test_interrupted_verify_leaves_nothing(manifests: Path, sig: signal.Signals) -> None:
    # A long probe phase (x/b -> x/a on 81 is dropped, 10 s per probe), interrupted once
    # its namespaces exist.
    command = ["dataplane", "verify", "--timeout", "10", "--port", "81", str(manifests)]
    child = subprocess.Popen(
        [sys.executable, "-m", "netsim", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    prefix = f"netsim-{child.pid}-"
    deadline = time.monotonic() + 20
    while not any(n.startswith(prefix) for n in list_netns()):
        assert child.poll() is None and time.monotonic() < deadline, "verify never built"
        time.sleep(0.05)
    time.sleep(0.5)
    child.send_signal(sig)
    _, err = child.communicate(timeout=30)
    assert child.returncode != 0
    assert "Traceback" not in err
    assert not [n for n in list_netns() if n.startswith(prefix)]


def test_verify_rejects_a_bad_external_host(
    manifests: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["dataplane", "verify", "--external", "2001:db8::1", str(manifests)])
    assert exc.value.code == 2
    assert (
        "argument --external: '2001:db8::1': not an IPv4 address (the dataplane check "
        "builds IPv4 only)" in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "a loopback address (127.0.0.0/8)"),
        ("127.8.9.10", "a loopback address (127.0.0.0/8)"),
        ("0.0.0.0", "an unspecified, this-network address (0.0.0.0/8)"),
        ("169.254.1.1", "a link-local address (169.254.0.0/16)"),
        ("224.0.0.251", "a multicast address (224.0.0.0/4)"),
        ("239.255.255.250", "a multicast address (224.0.0.0/4)"),
        ("255.255.255.255", "the limited broadcast address (255.255.255.255/32)"),
    ],
)
def test_verify_refuses_an_external_host_that_is_no_unicast_address(
    manifests: Path, capsys: pytest.CaptureFixture[str], address: str, why: str
) -> None:
    # The kernel answers loopback itself, never routes 0/8 or link-local off-link, and
    # multicast/broadcast are no host's address: probes would report false mismatches.
    with pytest.raises(SystemExit) as exc:
        main(["dataplane", "verify", "--external", address, str(manifests)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --external: '{address}': {why}, not a host's unicast address" in err


def test_unicast_neighbours_of_the_refused_blocks_are_external_hosts() -> None:
    from netsim.dataplane.harness import external_address_problem

    unicast = ("1.0.0.0", "126.255.255.255", "128.0.0.1", "169.253.255.255", "169.255.0.0",
               "223.255.255.255", "203.0.113.7", "255.255.255.254")  # fmt: skip
    for address in unicast:
        assert external_address_problem(address) is None, address


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "-inf", "1e300", "600.5"])
def test_verify_refuses_a_timeout_outside_0_to_600_seconds(
    manifests: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["dataplane", "verify", f"--timeout={value}", str(manifests)])
    assert exc.value.code == 2
    assert (
        f"argument --timeout: '{value}': the probe timeout must be more than 0 and at most "
        "600 seconds" in capsys.readouterr().err
    )


def test_verify_from_python_refuses_a_bad_timeout_before_building() -> None:
    from netsim.dataplane.verify import verify
    from netsim.errors import UnsupportedError
    from netsim.model.cluster import Cluster

    with pytest.raises(UnsupportedError, match="timeout nan: the probe timeout must be"):
        verify(Cluster(), timeout=float("nan"))


def test_verify_help_says_what_clean_is_for(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["dataplane", "verify", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "SIGQUIT delete the run's namespaces" in out
    assert "after a SIGKILL, `netsim dataplane clean` deletes what the run left" in out
