"""busybox argument edge cases print busybox's errors; simulated work is bounded (issue 13).

Expected words are busybox 1.36's: xatou_range's ``invalid number`` and ``number N is not
in 0..M range``, str2sockaddr's ``bad port spec``, connect()'s ENETUNREACH for an IPv6
address from an IPv4-only pod.
"""

from __future__ import annotations

import pytest

from netsim.errors import UnsupportedError
from netsim.sim.network import Network

from .clusters import walkthrough_cluster


@pytest.fixture()
def net() -> Network:
    return Network(walkthrough_cluster(same_node=False), seed=1)


@pytest.mark.parametrize(
    ("command", "output"),
    [
        ("wget http://10.99.99.99:99999999/", "wget: bad port spec '10.99.99.99:99999999'\n"),
        ("wget 'http://[::1]:abc/'", "wget: bad port spec '[::1]:abc'\n"),
        ("wget http://nginx:٣/", "wget: bad port spec 'nginx:٣'\n"),
        ("wget http://[::1/", "wget: bad address '[::1'\n"),
        ("wget -T -1 nginx", "wget: invalid number '-1'\n"),
        ("wget -T nan nginx", "wget: invalid number 'nan'\n"),
        ("wget -T inf nginx", "wget: invalid number 'inf'\n"),
        ("wget -T 1.5 nginx", "wget: invalid number '1.5'\n"),
        ("wget -T 99999999999 nginx", "wget: number 99999999999 is not in 0..2147483647 range\n"),
        ("ping -c nan nginx", "ping: invalid number 'nan'\n"),
        ("ping -c -1 nginx", "ping: invalid number '-1'\n"),
        ("ping -s 1e12 -c 1 nginx", "ping: invalid number '1e12'\n"),
        ("ping -c 1 -s 70000 nginx", "ping: number 70000 is not in 0..65535 range\n"),
        ("ping -w 1e15 nginx", "ping: invalid number '1e15'\n"),
        ("ping -c 1 -i nan nginx", "ping: invalid number 'nan'\n"),
        ("ping -c 1 -W -1 nginx", "ping: invalid number '-1'\n"),
        ("nc nginx 99999", "nc: bad port '99999'\n"),
        ("nc nginx ٣", "nc: bad port '٣'\n"),
        ("wget héllo", "wget: bad address 'héllo'\n"),
        ("nc héllo 80", "nc: bad address 'héllo'\n"),
        ("sh -c \"echo 'x\"", "sh: syntax error: unterminated quoted string\n"),
        ("echo 'x", "sh: syntax error: unterminated quoted string\n"),
        (
            "wget http://[2001:db8::1]/",
            "Connecting to [2001:db8::1] ([2001:db8::1]:80)\n"
            "wget: can't connect to remote host (2001:db8::1): Network is unreachable\n",
        ),
        (
            "nc 2001:db8::1 80",
            "nc: can't connect to remote host (2001:db8::1): Network is unreachable\n",
        ),
        ("ping -c 1 2001:db8::1", "ping: sendto: Network is unreachable\n"),
    ],
)  # fmt: skip
def test_bad_arguments_print_busybox_errors(net: Network, command: str, output: str) -> None:
    result = net.exec("default/busybox", command)
    assert (result.output, result.exit_code) == (output, 2 if "syntax" in output else 1)
    # the network is still usable afterwards
    assert net.exec("default/busybox", "wget -q --spider -T 1 nginx").exit_code == 0


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("ping -c 10000000 -i 0 nginx", "ping would send 10000000 packets"),
        ("ping -w 4000000000 nginx", r"ping -w would run 4e\+09 simulated seconds"),
        ("ping -c 1 -W 100000 nginx", "ping would run 100000 simulated seconds"),
        ("ping -c 200000 nginx", "at most 100000 per command"),
        ("wget -T 2000000 nginx", "wget -T would run 2e\\+06 simulated seconds"),
    ],
)
def test_simulated_work_is_bounded_with_a_clear_error(
    net: Network, command: str, message: str
) -> None:
    with pytest.raises(UnsupportedError, match=message):
        net.exec("default/busybox", command)


@pytest.mark.slow
def test_ping_sequence_numbers_wrap_at_16_bits_on_screen_and_on_the_wire() -> None:
    # icmp_seq is a 16-bit field: busybox sends htons(ntransmitted) and prints the
    # reply's ntohs(icmp_seq), so packet 65,536 goes out as seq=0 (RFC 792).
    import struct

    from netsim.sim.packet import FrameRenderer

    cluster = walkthrough_cluster(same_node=True)
    target = next(p.ip for p in cluster.pods.values() if p.name.startswith("nginx"))
    net = Network(cluster, seed=1)
    result = net.exec("default/busybox", f"ping -c 65538 -i 0.001 {target}")
    lines = result.output.splitlines()
    assert [line.split()[4] for line in lines[65535:65539]] == [
        "seq=65534", "seq=65535", "seq=0", "seq=1",
    ]  # fmt: skip
    assert "65538 packets transmitted, 65538 packets received, 0% packet loss" in lines
    renderer = FrameRenderer()
    requests = [c.frame for c in net.captured() if (c.frame.proto, c.frame.flags) == (1, 8)][-4:]
    wire = [struct.unpack_from("!H", renderer.render(f), 14 + 20 + 6)[0] for f in requests]
    assert wire == [0, 0, 1, 1]  # packets 65,537 and 65,538, each seen on two interfaces
