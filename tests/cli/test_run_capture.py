"""netsim run --pcap DIR --capture IFACE: the capture holds the chosen interfaces only."""

from __future__ import annotations

from pathlib import Path

import pytest
from scapy.utils import rdpcap

from netsim.cli import main

SCENARIO = Path(__file__).parents[2] / "netsim" / "scenarios" / "nginx-walkthrough.yaml"


def test_cli_capture_chooses_interfaces(tmp_path: Path) -> None:
    scenario = SCENARIO
    code = main(["run", "-q", "--pcap", str(tmp_path), "--capture", "node-1 eth0", str(scenario)])
    assert code == 0
    packets = rdpcap(str(tmp_path / "nginx-walkthrough.pcap"))
    assert packets and {p.sniffed_on for p in packets} == {"node-1 eth0"}


def test_cli_capture_twice_and_unknown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["run", "-q", "--pcap", str(tmp_path), "--capture", "node-1 eth0"]
    code = main([*args, "--capture", "node-2 eth0", str(SCENARIO)])
    assert code == 0
    packets = rdpcap(str(tmp_path / "nginx-walkthrough.pcap"))
    assert {p.sniffed_on for p in packets} == {"node-1 eth0", "node-2 eth0"}
    assert main([*args[:-1], "nope eth0", str(SCENARIO)]) == 2
    assert "error: no interface 'nope eth0': the interfaces are" in capsys.readouterr().err
    assert main(["run", "-q", "--capture", "node-1 eth0", str(SCENARIO)]) == 2
    assert "--capture: name the capture folder with --pcap DIR" in capsys.readouterr().err
