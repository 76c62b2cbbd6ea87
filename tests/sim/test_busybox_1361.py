"""busybox 1.36.1 behaviours issue 12 lists, each from the applet's source.

- wget.c: ``-T 0`` arms no alarm (``if (G.timeout_seconds) alarm(...)``), so a
  dropped SYN ends with the kernel's connect() time-out (tcp_syn_retries 6:
  1+2+4+8+16+32+64 = 127 s); a URL with a port is resolved by
  ``xhost2sockaddr("host:port")``, whose error names ``host:port`` whole.
- nc_bloaty.c: at ``-vv`` every run ends with ``sent N, rcvd M``; ``-zu`` is
  udptest(): one 1-byte datagram, ``sleep(o_wait)``, a second one, then "open"
  unless the write failed (ICMP port-unreachable; none is sent here).
- ping.c: ``exit(nrecv == 0 || (deadline_us && nrecv < pingcount))``.
- ash: ``;``, ``&&``, ``||`` lists, ``$?``, quoting; its syntax errors.
"""

from __future__ import annotations

import pytest

from netsim.errors import UnsupportedError
from netsim.sim.flow import PROTO_UDP
from netsim.sim.network import Network

from .clusters import NGINX_IP, default_deny, walkthrough_cluster

CLIENT = "default/busybox"


@pytest.fixture()
def net() -> Network:
    return Network(walkthrough_cluster(same_node=False), seed=1)


def test_wget_timeout_zero_arms_no_alarm(net: Network) -> None:
    net.cluster.add(default_deny())
    result = net.exec(CLIENT, "wget -T 0 http://nginx/")
    assert result.output == (
        f"Connecting to nginx ({NGINX_IP}:80)\n"
        f"wget: can't connect to remote host ({NGINX_IP}): Connection timed out\n"
    )
    assert result.exit_code == 1
    assert 127.0 <= result.ended - result.started < 127.01


def test_wget_bad_address_names_host_and_port(net: Network) -> None:
    result = net.exec(CLIENT, "wget http://nosuch:8080/")
    assert (result.output, result.exit_code) == ("wget: bad address 'nosuch:8080'\n", 1)


def test_nc_very_verbose_reports_bytes(net: Network) -> None:
    result = net.exec(CLIENT, "nc -zvv -w 1 nginx 80")
    assert result.output == f"nginx ({NGINX_IP}:80) open\nsent 0, rcvd 0\n"
    assert result.exit_code == 0


def test_nc_udp_scan_sends_two_datagrams_and_waits(net: Network) -> None:
    result = net.exec(CLIENT, "nc -zuv -w 2 nginx 53")
    assert result.output == f"nginx ({NGINX_IP}:53) open\n"
    assert result.exit_code == 0
    assert 2.0 <= result.ended - result.started < 2.01
    sent = [
        c.frame
        for c in net.captured(f"{CLIENT} eth0")
        if c.frame.proto == PROTO_UDP and c.frame.dport == 53 and c.frame.payload == b"\0"
    ]
    assert len(sent) == 2
    assert sent[1] is not sent[0]


@pytest.mark.parametrize(("count", "code"), [(3, 1), (1, 0)])
def test_ping_deadline_with_fewer_replies_than_count_fails(
    net: Network, count: int, code: int
) -> None:
    target = net.cluster.pods["default/nginx-701339712-e0qfq"].ip
    result = net.exec(CLIENT, f"ping -c {count} -w 1 {target}")
    assert "1 packets transmitted, 1 packets received" in result.output
    assert result.exit_code == code


@pytest.mark.parametrize(
    ("line", "output", "code"),
    [
        (
            'sh -c "wget -q -T 1 http://nosuch/ || echo blocked"',
            "wget: bad address 'nosuch'\nblocked\n",
            0,
        ),
        ("wget -q -T 1 http://nosuch/; echo $?", "wget: bad address 'nosuch'\n1\n", 0),
        ("false && echo no; echo \"$?\" '$?'", "1 $?\n", 0),
        ("true || echo no", "", 0),
        ("false || false && echo no", "", 1),
        ("echo 'a;b' && echo \"c || d\"", "a;b\nc || d\n", 0),
        ("nosuch; echo $?", "sh: nosuch: not found\n127\n", 0),
        ("|| echo x", 'sh: syntax error: unexpected "||"\n', 2),
        ("echo x &&", "sh: syntax error: unexpected end of file\n", 2),
        ("echo 'x", "sh: syntax error: unterminated quoted string\n", 2),
    ],
)
def test_shell_lists(net: Network, line: str, output: str, code: int) -> None:
    result = net.exec(CLIENT, line)
    assert (result.output, result.exit_code) == (output, code)


def test_shell_pipes_are_refused(net: Network) -> None:
    with pytest.raises(UnsupportedError, match="no pipes"):
        net.exec(CLIENT, "echo a | cat")
