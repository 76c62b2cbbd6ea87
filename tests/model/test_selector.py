"""kubectl's label selector strings, against apimachinery's parser (selector.go, 1.7 texts)."""

from __future__ import annotations

import pytest

from netsim.model.labels import Labels
from netsim.model.selector import SelectorSyntaxError, parse_selector

WEB = Labels.of(app="web", tier="frontend", replicas="3")
DB = Labels.of(app="db", tier="backend")
BARE = Labels.of(role="x")


def matching(text: str) -> list[str]:
    selector = parse_selector(text)
    named = {"web": WEB, "db": DB, "bare": BARE}
    return [name for name, labels in named.items() if selector.matches(labels)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("app=web", ["web"]),
        ("app==web", ["web"]),
        ("app!=web", ["db", "bare"]),  # a missing key satisfies !=
        ("tier in (frontend,backend)", ["web", "db"]),
        ("tier notin (frontend)", ["db", "bare"]),  # a missing key satisfies notin
        ("app", ["web", "db"]),
        ("!app", ["bare"]),
        ("app,tier=backend", ["db"]),  # comma = AND
        ("app in (web,db), tier notin (backend)", ["web"]),  # whitespace is skipped
        ("replicas>2", ["web"]),
        ("replicas<3", []),
        ("", ["web", "db", "bare"]),
        ("app=", []),  # an empty value is a value
        ("x in (in,notin)", []),  # keywords are values inside the parentheses
    ],
)
def test_every_operator_matches_as_apimachinery(text: str, expected: list[str]) -> None:
    assert matching(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("app in web", "unable to parse requirement: found 'web' expected: '('"),
        (
            "app web",
            "unable to parse requirement: found 'web', expected: '=', '!=', '==', 'in', notin'",
        ),
        ("a=b=c", "found '=', expected: ',' or 'end of string'"),
        ("!a=b", "found '=', expected: ',' or 'end of string'"),
        ("a,", "found '', expected: identifier after ','"),
        ("=a", "found '=', expected: !, identifier, or 'end of string'"),
        ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"),
        (
            "a>x",
            "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer",
        ),
    ],
)
def test_syntax_errors_carry_the_parsers_text(text: str, message: str) -> None:
    with pytest.raises(SelectorSyntaxError) as info:
        parse_selector(text)
    assert str(info.value) == message


def test_invalid_keys_and_values_are_refused_as_NewRequirement_refuses_them() -> None:
    with pytest.raises(
        SelectorSyntaxError, match=r'^unable to parse requirement: invalid label key "a/b/c": '
    ):
        parse_selector("a/b/c=1")
    with pytest.raises(
        SelectorSyntaxError, match=r'^unable to parse requirement: invalid label value: "-x": '
    ):
        parse_selector("a=-x")


def test_terms_are_sorted_by_key_and_printed_back() -> None:
    assert str(parse_selector("tier in (b,a),!x,app")) == "app,tier in (a,b),!x"
