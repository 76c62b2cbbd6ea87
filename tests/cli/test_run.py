"""``netsim run``: transcript, summary, exit codes 0/1/2, --json, --quiet, --pcap."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from netsim.cli import main

GOOD = """\
title: nginx closed by default-deny
seed: 3
steps:
  - kubectl: run nginx --image=nginx --replicas=2
  - kubectl: expose deployment nginx --port=80
  - create:
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: default-deny}
      spec: {podSelector: {}, policyTypes: [Ingress]}
  - shell: kubectl run busybox --rm -ti --image=busybox /bin/sh
    commands:
      - run: wget --spider --timeout=1 nginx
        expect: {allowed: %s}
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_passing_scenario_prints_transcript_and_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "good.yaml", GOOD % "false")
    assert main(["run", path]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# good: nginx closed by default-deny\n")
    assert "$ kubectl run busybox --rm -ti --image=busybox /bin/sh\n" in out
    assert "/ # wget --spider --timeout=1 nginx\nConnecting to nginx (10.100.0." in out
    assert "wget: download timed out\n" in out
    assert out.endswith("PASS good: 4 steps, 1 expectation holds\n")


def test_failing_expectation_exits_1_and_shows_step_expected_actual(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "bad.yaml", GOOD % "true")
    assert main(["run", "--quiet", path]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "FAIL bad: 1 of 1 expectations failed"
    assert f"{path}: steps[3].commands[0].expect.allowed:" in out
    assert "expected: allowed (exit code 0)" in out
    assert "actual:   denied (exit code 1)" in out
    assert "wget: download timed out" in out
    # The simulator's trace says which policy dropped the SYN.
    assert "isolated by default/default-deny" in out


def test_json_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "good.yaml", GOOD % "false")
    assert main(["run", "--json", path]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["summary"] == {
        "scenarios": 1,
        "passed": 1,
        "failed": 0,
        "checks": 1,
        "failed_checks": 0,
    }
    (scenario,) = record["scenarios"]
    assert scenario["seed"] == 3
    command = scenario["steps"][3]["commands"][0]
    assert command["verdict"] == "denied"
    assert command["exit_code"] == 1
    assert command["checks"][0]["ok"] is True
    assert any("default/default-deny" in line for line in command["drops"])


def test_seed_override_and_pcap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "good.yaml", GOOD % "false")
    assert main(["run", "-q", "--seed", "9", "--pcap", str(tmp_path / "caps"), path]) == 0
    data = (tmp_path / "caps" / "good.pcap").read_bytes()
    # pcapng: the section header block's type, then its byte-order magic
    assert data[:4] == b"\n\r\r\n" and data[8:12] == b"\x4d\x3c\x2b\x1a"
    assert "PASS good" in capsys.readouterr().out


def test_several_scenarios_end_with_a_total(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(tmp_path, "a.yaml", GOOD % "false")
    b = write(tmp_path, "b.yaml", GOOD % "true")
    assert main(["run", "-q", a, b]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "1 of 2 scenarios passed (1 of 2 expectations hold)"


def test_invalid_scenario_exits_2_with_field_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD.replace("expect: {allowed: %s}", "expect: {exit_code: many}")
    path = write(tmp_path, "invalid.yaml", text)
    assert main(["run", path]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f'error: {path}:14: steps[3].commands[0].expect.exit_code: Invalid value: "many": '
        "must be an integer\n"
    )


def test_invalid_scenario_is_reported_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, "a.yaml", GOOD % "false")
    bad = write(tmp_path, "b.yaml", "title: x\nsteps: []\n")
    assert main(["run", good, bad]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "b.yaml:2: steps: Required value" in captured.err


def test_unsupported_kubectl_command_exits_2_naming_the_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path, "x.yaml", "title: x\nsteps:\n  - kubectl: port-forward svc/web 8080:80\n"
    )
    assert main(["run", path]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"error: {path}: steps[0].kubectl: unsupported kubectl command: port-forward"
    )


@pytest.mark.parametrize(
    "content",
    [b"\x00\x01\x02\xff", b"title: [", b"- 1\n- 2\n", b"a: &a [*a]\n", b"", b"title: x\n" * 3],
)
def test_garbage_never_gives_a_traceback(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(content)
    proc = subprocess.run(
        [sys.executable, "-m", "netsim", "run", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ")
    assert "garbage.yaml" in proc.stderr


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path / "none.yaml")]) == 2
    assert "none.yaml: cannot read" in capsys.readouterr().err


def test_pcap_into_a_file_or_an_empty_name_is_refused_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "good.yaml", GOOD % "false")
    afile = write(tmp_path, "afile", "")
    assert main(["run", "--pcap", afile, path]) == 2
    assert "exists and is not a directory" in capsys.readouterr().err
    assert main(["run", "--pcap", "", path]) == 2
    assert "--pcap: the folder name is empty" in capsys.readouterr().err
    assert main(["run", "--pcap", f"{afile}/sub", path]) == 2
    assert "cannot create the directory: Not a directory" in capsys.readouterr().err


def test_a_negative_seed_is_refused_as_the_file_format_refuses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "good.yaml", GOOD % "false")
    with pytest.raises(SystemExit) as exc:
        main(["run", "--seed", "-1", path])
    assert exc.value.code == 2
    assert "invalid seed -1: must be 0 to 2**63-1" in capsys.readouterr().err


def test_the_pcap_is_written_whole_under_its_name_only(tmp_path: Path) -> None:
    path = write(tmp_path, "good.yaml", GOOD % "false")
    assert main(["run", "--quiet", "--pcap", str(tmp_path / "caps"), path]) == 0
    names = sorted(p.name for p in (tmp_path / "caps").iterdir())
    assert names == ["good.pcap"]
    assert (tmp_path / "caps" / "good.pcap").read_bytes()[:4] == bytes.fromhex("0a0d0d0a")  # pcapng
