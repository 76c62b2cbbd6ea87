"""LabelIndex after adds, relabels and removals, against brute force over the labels left."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from netsim.match import labelindex
from netsim.match.labelindex import LabelIndex, Term, terms_match

KEYS = ("app", "tier", "env")
VALUES = ("a", "b", "c")

label_maps = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=3)
# (id, labels) adds or relabels an object; (id, None) removes it (a no-op when unknown)
changes = st.lists(st.tuples(st.integers(0, 3), label_maps | st.none()), max_size=20)
terms = st.one_of(
    st.tuples(st.just("="), st.sampled_from(KEYS), st.sampled_from(VALUES).map(lambda v: (v,))),
    st.tuples(
        st.sampled_from(("In", "NotIn")),
        st.sampled_from(KEYS),
        st.lists(st.sampled_from(VALUES), min_size=1, max_size=2, unique=True).map(tuple),
    ),
    st.tuples(st.sampled_from(("Exists", "DoesNotExist")), st.sampled_from(KEYS), st.just(())),
)


def expected_ids(
    present: dict[int, dict[str, str]], selector: list[Term], within: set[int] | None
) -> set[int]:
    return {
        i
        for i, labels in present.items()
        if terms_match(labels, selector) and (within is None or i in within)
    }


@settings(max_examples=500, derandomize=True, deadline=None)
@given(changes, st.lists(terms, max_size=3), st.sets(st.integers(0, 9), max_size=6) | st.none())
# a key's ids, built at the first Exists/DoesNotExist query, must follow later adds and removals
@example([(0, {}), (1, {"app": "a"})], [("Exists", "app", ())], None)
@example([(0, {"app": "a"}), (0, None)], [("Exists", "app", ())], None)
@example([(0, {"app": "a"}), (0, {"tier": "b"})], [("DoesNotExist", "app", ())], {0, 1})
def test_select_after_each_change_equals_brute_force(
    steps: list[tuple[int, dict[str, str] | None]],
    selector: list[Term],
    within: set[int] | None,
) -> None:
    index = LabelIndex()
    present: dict[int, dict[str, str]] = {}
    for ident, labels in steps:
        if labels is None:
            index.remove(ident)
            present.pop(ident, None)
        else:
            index.add(ident, labels.items())
            present[ident] = labels
        # asked after every change: what a query builds on demand must be kept up to date
        expected = expected_ids(present, selector, within)
        assert index.select(selector, within) == expected
        scan, labelindex.SCAN_WITHIN = labelindex.SCAN_WITHIN, -1  # through the posting lists
        try:
            assert index.select(selector, within) == expected
        finally:
            labelindex.SCAN_WITHIN = scan
    assert set(index.ids) == set(present)
    assert len(index) == len(present)


def test_select_returns_a_new_set_each_time() -> None:
    index = LabelIndex()
    index.add(1, [("app", "a")])
    first = index.select([("=", "app", ("a",))])
    first.add(99)  # the caller's copy: the index is not changed
    assert index.select([("=", "app", ("a",))]) == {1}
    assert index.select([]) == {1}
    assert index.select([], within={1, 2}) == {1}
