"""LabelIndex selectors against a brute-force evaluation of the same terms."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netsim.match import labelindex
from netsim.match.labelindex import LabelIndex, Term, terms_match

KEYS = ("app", "tier", "env")
VALUES = ("a", "b", "c")

label_maps = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=3)
terms = st.one_of(
    st.tuples(st.just("="), st.sampled_from(KEYS), st.sampled_from(VALUES).map(lambda v: (v,))),
    st.tuples(
        st.sampled_from(("In", "NotIn")),
        st.sampled_from(KEYS),
        st.lists(st.sampled_from(VALUES), min_size=1, max_size=2, unique=True).map(tuple),
    ),
    st.tuples(st.sampled_from(("Exists", "DoesNotExist")), st.sampled_from(KEYS), st.just(())),
)


def test_operators() -> None:
    index = LabelIndex()
    index.add(1, [("app", "a"), ("tier", "f")])
    index.add(2, [("app", "b")])
    index.add(3, [])
    assert index.select([]) == {1, 2, 3}  # no terms: everything
    assert index.select([("=", "app", ("a",))]) == {1}
    assert index.select([("In", "app", ("a", "b"))]) == {1, 2}
    assert index.select([("NotIn", "app", ("a",))]) == {2, 3}  # absent key matches NotIn
    assert index.select([("Exists", "tier", ())]) == {1}
    assert index.select([("DoesNotExist", "tier", ())]) == {2, 3}
    assert index.select([("Exists", "app", ()), ("NotIn", "tier", ("f",))]) == {2}
    assert index.select([], within={1, 3, 99}) == {1, 3}
    index.remove(1)
    assert index.select([("Exists", "app", ())]) == {2}
    index.add(2, [("tier", "f")])  # relabel
    assert index.select([("=", "app", ("b",))]) == set()
    with pytest.raises(ValueError):
        index.select([("Near", "app", ())])
    with pytest.raises(ValueError):  # also when a small within-set is intersected and scanned
        index.select([("Near", "app", ())], within={2, 3})
    assert index.select([("DoesNotExist", "app", ()), ("In", "tier", ("f", "g"))], {2, 3}) == {2}


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    st.lists(label_maps, max_size=8),
    st.lists(terms, max_size=3),
    st.sets(st.integers(0, 9), max_size=5) | st.none(),
)
def test_select_equals_brute_force(
    objects: list[dict[str, str]], selector: list[Term], within: set[int] | None
) -> None:
    index = LabelIndex()
    for i, labels in enumerate(objects):
        index.add(i, labels.items())
    expected = {
        i
        for i, labels in enumerate(objects)
        if terms_match(labels, selector) and (within is None or i in within)
    }
    assert index.select(selector, within) == expected
    # the same through the posting lists (a ``within`` larger than SCAN_WITHIN)
    scan, labelindex.SCAN_WITHIN = labelindex.SCAN_WITHIN, -1
    try:
        assert index.select(selector, within) == expected
    finally:
        labelindex.SCAN_WITHIN = scan
