"""netsim replay CAPTURE PATH... --at ENDPOINT: each frame of a real capture and its fate.

The cluster: client and web (app=web, port 80), and web-80 admitting ingress on
TCP 80 only. Kubernetes: a SYN to 80 is admitted (the SYN-ACK comes back), to 81
dropped by web-80; GRE has no port, so upstream does not filter it and calico
(filter_icmp) judges it against web-80, whose only rule names ports: dropped.
ARP is not IP: skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scapy.layers.inet import GRE, IP, TCP
from scapy.layers.l2 import ARP, Ether
from scapy.utils import wrpcap

from netsim.cli import main
from netsim.model.load import load_cluster

MANIFESTS = """\
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default, labels: {app: client}}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-80, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{ports: [{port: 80}]}]
"""


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    manifests = tmp_path / "m.yaml"
    manifests.write_text(MANIFESTS)
    cluster = load_cluster([str(manifests)])
    client, web = cluster.pods["default/client"].ip, cluster.pods["default/web"].ip
    frames = [
        Ether() / IP(src=client, dst=web) / TCP(sport=40001, dport=80, flags="S"),
        Ether() / IP(src=client, dst=web) / TCP(sport=40002, dport=81, flags="S"),
        Ether() / IP(src=client, dst=web) / GRE() / b"x",
        Ether() / ARP(pdst=web),
    ]
    capture = tmp_path / "c.pcap"
    wrpcap(str(capture), frames)
    return capture, manifests


@pytest.mark.parametrize(("profile", "gre_delivered"), [("upstream", True), ("calico", False)])
def test_replay_reports_each_frame(
    files: tuple[Path, Path], profile: str, gre_delivered: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    capture, manifests = files
    args = ["replay", str(capture), str(manifests), "--at", "default/client", "--json"]
    assert main([*args, "--profile", profile]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["frame"] for r in records] == [1, 2, 3, 4]
    syn80, syn81, gre, arp = records
    assert syn80["delivered"] and syn80["delivered_to"] == "default/web"
    assert "default/web-80 spec.ingress[0]" in syn80["reason"]
    assert syn80["reply"].endswith(" SA")
    assert not syn81["delivered"] and syn81["dropped_by"] == ["default/web-80"]
    assert gre["delivered"] is gre_delivered
    if not gre_delivered:
        assert gre["dropped_by"] == ["default/web-80"]
    assert arp["skipped"] == "not an IP packet"


def test_replay_text_and_errors(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture, manifests = files
    assert main(["replay", str(capture), str(manifests), "--at", "default/client"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert lines[1].endswith("->  dropped by default/web-80 (policy-ingress: no-rule-matched)")
    assert main(["replay", str(manifests), str(manifests), "--at", "default/client"]) == 2
    assert "not a readable pcap or pcapng capture" in capsys.readouterr().err
    assert (
        main(["replay", str(tmp_path / "no.pcap"), str(manifests), "--at", "default/client"]) == 2
    )
    assert "no.pcap: no such file" in capsys.readouterr().err
    assert main(["replay", str(capture), str(manifests), "--at", "default/nope"]) == 2
    assert 'pods "nope" not found' in capsys.readouterr().err
