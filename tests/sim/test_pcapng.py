"""Captures are pcapng: one interface block per captured interface, fixed timestamps.

Read back with scapy (interface names, times) and, for every shipped scenario,
with tshark: every frame dissects with no expert error (malformed frames and
bad checksums are errors; Wireshark's warnings about a frame seen again on a
second interface are not). tshark is installed by .ci/run; without it the
tshark test fails.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from scapy.layers.inet import ICMP
from scapy.utils import rdpcap

from netsim.errors import LookupFailed
from netsim.sim.network import Network
from netsim.sim.packet import CAPTURE_START_NS

from .clusters import walkthrough_cluster

SCENARIOS = sorted((Path(__file__).parents[2] / "netsim" / "scenarios").glob("*.yaml"))
START = CAPTURE_START_NS / 1e9  # 2024-01-01T00:00:00Z
CLIENT = "default/busybox"


def _run(tmp_path: Path, name: str, interface: str | list[str] | None = None) -> Path:
    net = Network(walkthrough_cluster(same_node=False), seed=5)
    net.exec(CLIENT, "wget -q -T 1 -O - http://nginx/")
    net.exec(CLIENT, f"ping -c 2 {net.cluster.pods['default/nginx-701339712-e0qfq'].ip}")
    path = tmp_path / name
    net.write_pcap(path, interface)
    return path


def test_one_interface_block_per_captured_interface(tmp_path: Path) -> None:
    path = _run(tmp_path, "two.pcap", [f"{CLIENT} eth0", "node-2 eth0"])
    assert path.read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"  # pcapng section header block
    packets = rdpcap(str(path))
    assert {p.sniffed_on for p in packets} == {f"{CLIENT} eth0", "node-2 eth0"}
    # busybox is on node-2: every frame it sends routed off-node leaves by node-2's eth0
    pings = [p for p in packets if p.haslayer(ICMP) and p[ICMP].type == 8]
    assert sorted(p.sniffed_on for p in pings) == [f"{CLIENT} eth0"] * 2 + ["node-2 eth0"] * 2


def test_timestamps_start_at_the_fixed_capture_start(tmp_path: Path) -> None:
    packets = rdpcap(str(_run(tmp_path, "all.pcap")))
    times = [float(p.time) for p in packets]
    assert times == sorted(times)
    assert START <= times[0] < START + 1  # 2024-01-01, not 1970
    assert times[-1] - START < 10  # simulated seconds on from there


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first = _run(tmp_path, "a.pcap").read_bytes()
    assert first == _run(tmp_path, "b.pcap").read_bytes()


def test_unknown_interface_is_named(tmp_path: Path) -> None:
    net = Network(walkthrough_cluster(same_node=True), seed=5)
    with pytest.raises(LookupFailed, match="no interface 'default/nope eth0': the interfaces are"):
        net.write_pcap(tmp_path / "x.pcap", "default/nope eth0")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_tshark_finds_no_error_in_shipped_scenarios(scenario: Path, tmp_path: Path) -> None:
    tshark = shutil.which("tshark")
    assert tshark, "tshark is not installed (.ci/run installs it)"
    from netsim.scenario.load import load_scenario
    from netsim.scenario.runner import run_scenario

    pcap = tmp_path / "s.pcap"
    run_scenario(load_scenario(scenario), pcap=pcap)
    done = subprocess.run(
        [
            tshark,
            "-r",
            str(pcap),
            "-o",
            "tcp.check_checksum:TRUE",
            "-o",
            "udp.check_checksum:TRUE",
            "-o",
            "ip.check_checksum:TRUE",
            "-T",
            "fields",
            "-e",
            "_ws.expert.severity",
            "-e",
            "_ws.expert.message",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    # severity 8388608 is "error" (PI_ERROR); malformed frames and bad checksums are errors
    errors = [line for line in done.stdout.splitlines() if "8388608" in line.split("\t")[0]]
    assert errors == []
