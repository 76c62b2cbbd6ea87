"""The pod shell's parser: its fast path for plain lines says what the lexer says."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from netsim.sim.posix import Step, lex_list, parse_list

PLAIN = st.text(alphabet=st.sampled_from("ab-9./:=~*?#\t\r\n \x0b\x0c\u00a0é"), max_size=40)


@given(PLAIN)
def test_a_plain_line_parses_as_the_lexer_parses_it(line: str) -> None:
    assert parse_list(line) == lex_list(line)


def test_plain_words_are_one_command() -> None:
    assert parse_list("  nc -z -w 1 10.244.1.5 80 ") == [
        Step(";", ("nc", "-z", "-w", "1", "10.244.1.5", "80"))
    ]
    assert parse_list(" \t") == []
