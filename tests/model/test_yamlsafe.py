"""Safe, bounded YAML: what go-yaml/kubectl reject is rejected cleanly, never a crash."""

from __future__ import annotations

import pytest

from netsim.errors import LoadError, ValidationError
from netsim.model import yamlsafe
from netsim.model.yamlsafe import decode_bytes, parse_yaml_text


@pytest.fixture(autouse=True, params=["libyaml", "pure-python"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test on libyaml's parser (when installed) and on PyYAML's pure-Python one."""
    if request.param == "pure-python":
        monkeypatch.setattr(yamlsafe, "_Loader", yamlsafe._PyLoader)
    elif yamlsafe._Loader is yamlsafe._PyLoader:
        pytest.skip("libyaml is not installed")


def test_multi_document_with_empty_documents_keeps_indices() -> None:
    docs = parse_yaml_text("---\n# only a comment\n---\na: 1\n---\n---\nb: [x]\n", "f")
    assert docs == [None, {"a": 1}, None, {"b": ["x"]}]


def test_timestamps_stay_strings_and_json_loads() -> None:
    assert parse_yaml_text("t: 2024-01-02T03:04:05Z\nd: 2024-01-02\n", "f") == [
        {"t": "2024-01-02T03:04:05Z", "d": "2024-01-02"}
    ]
    assert parse_yaml_text('{"kind": "List", "items": []}', "f") == [{"kind": "List", "items": []}]


def test_duplicate_key_names_path_line_and_document() -> None:
    text = "a: 1\n---\nspec:\n  ingress:\n  - from: []\n    from: [{}]\n"
    with pytest.raises(ValidationError) as info:
        parse_yaml_text(text, "f.yaml")
    err = info.value
    assert err.origin is not None and err.origin.document == 1
    assert err.errors[0].path == "spec.ingress[0].from"
    assert 'duplicate key "from" at line 6, column 5' in err.errors[0].message


def test_same_key_in_sibling_mappings_is_fine() -> None:
    assert parse_yaml_text("- {a: 1}\n- {a: 2}\n", "f") == [[{"a": 1}, {"a": 2}]]


def test_moderate_aliases_are_allowed() -> None:
    docs = parse_yaml_text("x: &l {app: web}\nz: *l\n", "f")
    assert docs == [{"x": {"app": "web"}, "z": {"app": "web"}}]


def test_alias_bomb_is_rejected() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    with pytest.raises(LoadError, match="alias"):
        parse_yaml_text("\n".join(lines) + "\n", "bomb.yaml")


def test_deep_nesting_is_rejected_without_recursion_error() -> None:
    with pytest.raises(LoadError, match="nest"):
        parse_yaml_text("a: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yaml")
    with pytest.raises(LoadError, match="nest"):
        parse_yaml_text("".join(f"{' ' * i}k:\n" for i in range(300)) + " " * 300 + "k: 1\n", "f")
    assert parse_yaml_text("a: " + "[" * 50 + "]" * 50 + "\n", "ok.yaml")


def test_application_tags_build_plain_data_only() -> None:
    # go-yaml ignores tags it does not know (kubectl sends the plain value); nothing runs.
    assert parse_yaml_text("x: !!python/object/apply:os.system ['true']\n", "f") == [
        {"x": ["true"]}
    ]
    assert parse_yaml_text("x: !foo 80\n", "f") == [{"x": "80"}]


def test_syntax_error_has_line_and_column() -> None:
    with pytest.raises(LoadError, match=r"f.yaml \(document 0\): YAML syntax error at line 2"):
        parse_yaml_text("a: [1, 2\nb: }\n", "f.yaml")


def test_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsafe, "MAX_FILE_BYTES", 100)
    with pytest.raises(LoadError, match="too large"):
        decode_bytes(b"a: 1\n" * 50, "big.yaml")
    with pytest.raises(LoadError, match="too large"):
        parse_yaml_text("a: 1\n" * 50, "big.yaml")


def test_bytes_decoding() -> None:
    assert decode_bytes("\ufeffa: é\n".encode(), "f") == "a: é\n"
    with pytest.raises(LoadError, match="not a text file"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe", "img.png")
    with pytest.raises(LoadError, match="not a text file"):
        parse_yaml_text("a: \x00\x01\n", "nul.yaml")
