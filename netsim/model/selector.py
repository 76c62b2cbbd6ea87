"""kubectl's label selector strings (``-l``/``--selector``), parsed as apimachinery parses them.

``app=web``, ``app==web``, ``app!=web``, ``tier in (a,b)``, ``tier notin (a,b)``,
``app`` (exists), ``!app`` (does not exist), ``replicas>1``, ``replicas<3``; a comma
ANDs terms. The lexer and parser follow ``k8s.io/apimachinery/pkg/labels`` (selector.go)
as kubectl 1.7 vendored it, including its error texts (``unable to parse requirement:
found 'b' expected: '('``), so a typo gets the message kubectl prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from netsim.model.labels import Labels
from netsim.model.validate import is_qualified_name, is_valid_label_value

SelectorOp = Literal["=", "==", "!=", "in", "notin", "exists", "!", ">", "<"]

_SPECIAL = frozenset("=!(),<>")
_WHITESPACE = frozenset(" \t\r\n")
_SYMBOLS = {")", ",", "!", "==", "=", ">", "<", "!=", "("}
_KEYWORDS = {"in", "notin"}
_ID = "identifier"
_END = "end"
_ERROR = "error"


class SelectorSyntaxError(ValueError):
    """A selector string apimachinery's parser refuses; the message is the parser's."""


@dataclass(frozen=True, slots=True)
class SelectorTerm:
    """One requirement: ``key``, an operator, and its (sorted) values."""

    key: str
    op: SelectorOp
    values: tuple[str, ...] = ()

    def matches(self, labels: Labels) -> bool:
        """Tell whether a label set satisfies this requirement (apimachinery's rules)."""
        value = labels.get(self.key)
        if self.op in ("=", "==", "in"):
            return value is not None and value in self.values
        if self.op in ("!=", "notin"):
            return value is None or value not in self.values
        if self.op == "exists":
            return value is not None
        if self.op == "!":
            return value is None
        if value is None:
            return False
        try:
            have, want = int(value), int(self.values[0])
        except ValueError:
            return False
        return have > want if self.op == ">" else have < want

    def __str__(self) -> str:
        if self.op == "exists":
            return self.key
        if self.op == "!":
            return f"!{self.key}"
        if self.op in ("in", "notin"):
            return f"{self.key} {self.op} ({','.join(self.values)})"
        return f"{self.key}{self.op}{self.values[0]}"


@dataclass(frozen=True, slots=True)
class Selector:
    """A parsed selector: every term must match; no terms matches everything."""

    terms: tuple[SelectorTerm, ...] = ()

    def matches(self, labels: Labels) -> bool:
        """Tell whether a label set satisfies every term."""
        return all(term.matches(labels) for term in self.terms)

    def __str__(self) -> str:
        return ",".join(str(term) for term in self.terms)


def _lex(text: str) -> list[tuple[str, str]]:
    """Split a selector into (token, literal) pairs as apimachinery's Lexer does."""
    items: list[tuple[str, str]] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= len(text):
            items.append((_END, ""))
            return items
        if text[pos] in _SPECIAL:
            buffer, last = "", ""
            while pos < len(text) and text[pos] in _SPECIAL:
                if buffer + text[pos] in _SYMBOLS:
                    buffer += text[pos]
                    last = buffer
                elif last:
                    break
                else:
                    buffer += text[pos]
                pos += 1
            if last:
                items.append((last, last))
            else:
                items.append((_ERROR, f"error expected: keyword found '{buffer}'"))
            continue
        start = pos
        while pos < len(text) and text[pos] not in _SPECIAL and text[pos] not in _WHITESPACE:
            pos += 1
        word = text[start:pos]
        items.append((word if word in _KEYWORDS else _ID, word))


class _Parser:
    """apimachinery's recursive-descent parser over the lexed tokens."""

    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.position = 0

    def lookahead(self, values: bool = True) -> tuple[str, str]:
        tok, lit = self.items[self.position]
        return (_ID if values and tok in _KEYWORDS else tok), lit

    def consume(self, values: bool = True) -> tuple[str, str]:
        found = self.lookahead(values)
        self.position += 1
        return found

    def parse(self) -> Selector:
        terms: list[SelectorTerm] = []
        while True:
            tok, lit = self.lookahead()
            if tok == _END:
                break
            if tok not in (_ID, "!"):
                raise SelectorSyntaxError(
                    f"found '{lit}', expected: !, identifier, or 'end of string'"
                )
            try:
                terms.append(self.requirement())
            except SelectorSyntaxError as exc:
                raise SelectorSyntaxError(f"unable to parse requirement: {exc}") from None
            tok, lit = self.consume()
            if tok == _END:
                break
            if tok != ",":
                raise SelectorSyntaxError(f"found '{lit}', expected: ',' or 'end of string'")
            after, lit = self.lookahead()
            if after not in (_ID, "!"):
                raise SelectorSyntaxError(f"found '{lit}', expected: identifier after ','")
        return Selector(tuple(sorted(terms, key=lambda t: t.key)))

    def requirement(self) -> SelectorTerm:
        op: SelectorOp | None = None
        tok, key = self.consume()
        if tok == "!":
            op = "!"
            tok, key = self.consume()
        if tok != _ID:
            raise SelectorSyntaxError(f"found '{key}', expected: identifier")
        errors = is_qualified_name(key)
        if errors:
            raise SelectorSyntaxError(f"invalid label key {_go_quote(key)}: {'; '.join(errors)}")
        if op == "!" or self.lookahead()[0] in (_END, ","):
            # "!key" is complete whatever follows (the caller then wants "," or the end).
            return SelectorTerm(key, op or "exists")
        tok, lit = self.consume(values=False)
        if tok not in ("in", "notin", "=", "==", "!=", ">", "<"):
            raise SelectorSyntaxError(f"found '{lit}', expected: '=', '!=', '==', 'in', notin'")
        binary: SelectorOp = tok  # type: ignore[assignment]
        values = self.set_values() if binary in ("in", "notin") else self.exact_value()
        return _requirement(key, binary, values)

    def set_values(self) -> list[str]:
        tok, lit = self.consume()
        if tok != "(":
            raise SelectorSyntaxError(f"found '{lit}' expected: '('")
        tok, lit = self.lookahead()
        if tok == ")":
            self.consume()
            return [""]
        if tok not in (_ID, ","):
            raise SelectorSyntaxError(f"found '{lit}', expected: ',', ')' or identifier")
        values = self.identifiers()
        if self.consume()[0] != ")":
            raise SelectorSyntaxError(f"found '{lit}', expected: ')'")
        return values

    def identifiers(self) -> list[str]:
        found: set[str] = set()
        while True:
            tok, lit = self.consume()
            if tok == _ID:
                found.add(lit)
                after, lit2 = self.lookahead()
                if after == ",":
                    continue
                if after == ")":
                    return sorted(found)
                raise SelectorSyntaxError(f"found '{lit2}', expected: ',' or ')'")
            if tok == ",":
                if not found:
                    found.add("")
                after, _ = self.lookahead()
                if after in (")", ","):
                    found.add("")
                if after == ")":
                    return sorted(found)
                continue
            raise SelectorSyntaxError(f"found '{lit}', expected: ',', or identifier")

    def exact_value(self) -> list[str]:
        tok, _ = self.lookahead()
        if tok in (_END, ","):
            return [""]
        tok, lit = self.consume()
        if tok == _ID:
            return [lit]
        raise SelectorSyntaxError(f"found '{lit}', expected: identifier")


def _go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _requirement(key: str, op: SelectorOp, values: list[str]) -> SelectorTerm:
    """apimachinery's NewRequirement checks (1.7 texts) after a term is read."""
    if op in (">", "<"):
        for value in values:
            try:
                int(value)
            except ValueError:
                raise SelectorSyntaxError(
                    "for 'Gt', 'Lt' operators, the value must be an integer"
                ) from None
    for value in values:
        errors = is_valid_label_value(value)
        if errors:
            raise SelectorSyntaxError(
                f"invalid label value: {_go_quote(value)}: {'; '.join(errors)}"
            )
    return SelectorTerm(key, op, tuple(values))


def parse_selector(text: str) -> Selector:
    """Parse a label selector string; raise SelectorSyntaxError with apimachinery's message."""
    return _Parser(text).parse()
