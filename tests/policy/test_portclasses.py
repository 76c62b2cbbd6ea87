"""Port classes: every port of a class answers every PortSet alike (SEMANTICS.md §16-§20)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from netsim.match.ports import PortMatcher, PortSet
from netsim.policy.portclasses import (
    CLASS_PROTOCOLS,
    PORT_LIMIT,
    PortClasses,
    classes_matched,
    port_vector,
)

protocols = st.sampled_from(CLASS_PROTOCOLS)
numbers = st.integers(1, 65535)
terms = st.one_of(
    st.builds(PortMatcher, protocols),  # a whole protocol
    st.builds(PortMatcher, protocols, numbers),
    numbers.flatmap(
        lambda first: st.builds(
            PortMatcher, protocols, st.just(first), st.integers(first, min(65535, first + 3000))
        )
    ),
    st.builds(PortMatcher, protocols, name=st.sampled_from(("http", "dns", "metrics"))),
)
port_sets = st.lists(terms, max_size=4).map(lambda t: PortSet(tuple(t)))
signatures = st.dictionaries(
    st.tuples(st.sampled_from(("http", "dns", "metrics")), protocols), numbers, max_size=4
)


def _probes(classes: PortClasses, extra: list[int]) -> list[int]:
    """Every class's first and last port, their neighbours, and ``extra``."""
    out = {0, 1, 65535, *extra}
    for _, first in classes.firsts:
        out |= {first - 1, first, first + 1}
    return sorted(p for p in out if 0 <= p < PORT_LIMIT)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(port_sets, max_size=5), st.lists(signatures, max_size=3), st.lists(numbers))
def test_every_port_of_a_class_answers_like_its_first(
    sets: list[PortSet], named: list[dict[tuple[str, str], int]], extra: list[int]
) -> None:
    classes = PortClasses()
    for ports in sets:
        classes.add_ports(ports)
    for declared in named:
        classes.add_named(declared)
    for ports in sets:
        for declared in [{}, *named]:
            vector = port_vector(classes, ports, declared)
            for protocol in CLASS_PROTOCOLS:
                for port in _probes(classes, extra):
                    at_class = classes.class_of(protocol, port)
                    assert at_class is not None
                    assert classes.firsts[at_class][0] == protocol
                    expected = ports.first_match(protocol, port, declared)
                    assert vector[at_class] == expected, (ports, declared, protocol, port)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(port_sets, min_size=1, max_size=4), port_sets)
def test_a_new_cut_splits_a_class_and_keeps_every_other_id(
    before: list[PortSet], added: PortSet
) -> None:
    """Existing class ids keep their ports, except the part of a split class from the new
    edge on, which takes the next id; :attr:`PortClasses.splits` says which."""
    classes = PortClasses()
    for ports in before:
        classes.add_ports(ports)
    old_tables = {p: list(t) for p, t in classes.tables.items()}
    count = len(classes)
    splits_before = len(classes.splits)
    classes.add_ports(added)
    new_splits = {new: old for old, new in classes.splits[splits_before:]}
    assert sorted(new_splits) == list(range(count, len(classes)))
    for protocol, table in classes.tables.items():
        for port, at_class in enumerate(table):
            origin = at_class
            while origin in new_splits:  # one add may split a class, then its new part
                origin = new_splits[origin]
            assert origin == old_tables[protocol][port]


def test_edges_of_numbers_ranges_and_named_ports() -> None:
    classes = PortClasses()
    classes.add_ports(PortSet((PortMatcher("TCP", 80), PortMatcher("UDP", 8000, 8999))))
    classes.add_named({("http", "TCP"): 8080})
    of = classes.class_of
    assert of("TCP", 80) not in (of("TCP", 79), of("TCP", 81))
    assert of("TCP", 81) == of("TCP", 8079) != of("TCP", 8080)
    assert of("TCP", 8080) != of("TCP", 8081) == of("TCP", 65535)
    assert of("UDP", 8000) == of("UDP", 8999) != of("UDP", 9000)
    assert of("UDP", 80) == of("UDP", 7999) == of("UDP", 1)
    assert of("TCP", 0) != of("TCP", 1)  # no policy port is 0: port 0 is a class of its own
    assert of("ICMP", 0) is None and of("TCP", -1) is None and of("TCP", 65536) is None
    assert len({of("TCP", 80), of("UDP", 80), of("SCTP", 80)}) == 3


def test_classes_matched_lists_the_matching_classes_with_their_term() -> None:
    classes = PortClasses()
    ports = PortSet((PortMatcher("TCP", 53), PortMatcher("UDP", 53), PortMatcher("TCP", 50, 60)))
    classes.add_ports(ports)
    matched = dict(classes_matched(port_vector(classes, ports, {})))
    assert matched[classes.class_of("TCP", 53)] == 0  # the first matching term
    assert matched[classes.class_of("UDP", 53)] == 1
    assert matched[classes.class_of("TCP", 50)] == 2
    assert classes.class_of("TCP", 61) not in matched
    assert classes.class_of("UDP", 54) not in matched
