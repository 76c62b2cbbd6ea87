"""PortMatcher / PortSet: protocol, ranges, named ports resolved by the caller."""

from __future__ import annotations

from netsim.match.ports import PortMatcher, PortSet


def test_protocol_must_match_and_all_ports() -> None:
    assert PortMatcher("UDP").matches("UDP", 53)
    assert not PortMatcher("UDP").matches("TCP", 53)


def test_single_port_and_inclusive_range() -> None:
    assert PortMatcher("TCP", 80).matches("TCP", 80)
    assert not PortMatcher("TCP", 80).matches("TCP", 81)
    rng = PortMatcher("TCP", 32000, 32768)
    assert rng.matches("TCP", 32000) and rng.matches("TCP", 32768)
    assert not rng.matches("TCP", 31999) and not rng.matches("TCP", 32769)


def test_named_port_resolved_with_the_same_protocol() -> None:
    named = {("http", "TCP"): 8080, ("dns", "UDP"): 53}
    assert PortMatcher("TCP", name="http").matches("TCP", 8080, named)
    assert not PortMatcher("TCP", name="http").matches("TCP", 80, named)
    assert not PortMatcher("TCP", name="dns").matches("TCP", 53, named)
    assert not PortMatcher("TCP", name="http").matches("TCP", 8080)  # no named ports known


def test_port_set() -> None:
    assert PortSet().matches("SCTP", 1) and PortSet().any
    ports = PortSet((PortMatcher("UDP", 53), PortMatcher("TCP", name="http")))
    assert ports.has_named
    assert ports.first_match("TCP", 80, {("http", "TCP"): 80}) == 1
    assert ports.first_match("UDP", 53) == 0
    assert not ports.matches("TCP", 53)
