"""Reading scenario files: safe, bounded YAML, then :func:`scenario_from_dict`."""

from __future__ import annotations

from pathlib import Path

from netsim.errors import NetsimError, ScenarioError
from netsim.scenario.schema import Scenario, ScenarioFieldErrors, scenario_from_dict

MAX_SCENARIO_BYTES = 1024 * 1024
"""Largest scenario file read; real ones are a few kilobytes."""


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file; raise ScenarioError naming the file, the line
    and the field."""
    from netsim.model.load import parse_yaml_text
    from netsim.model.yamllines import lines_of

    source = str(path)
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_SCENARIO_BYTES:
            raise ScenarioError(f"{source}: file is {size} bytes, more than {MAX_SCENARIO_BYTES}")
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{source}: not UTF-8 text: {exc.reason}") from None
    except OSError as exc:
        raise ScenarioError(f"{source}: cannot read: {exc.strerror or exc}") from None
    try:
        documents = parse_yaml_text(text, source)
    except NetsimError as exc:
        raise ScenarioError(str(exc)) from None
    if len(documents) != 1:
        raise ScenarioError(
            f"{source}: a scenario file holds exactly one YAML document, found {len(documents)}"
        )
    try:
        return scenario_from_dict(documents[0], source, file.parent)
    except ScenarioFieldErrors as exc:
        lines = lines_of(text, [(0, error.path) for error in exc.errors])
        raise exc.located(lines) from None
