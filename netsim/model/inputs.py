"""Which files a command line names, as ``kubectl apply`` finds them.

``-f PATH`` (netsim's positional paths): a file as given, ``-`` for stdin, a
directory's ``*.yaml``, ``*.yml`` and ``*.json`` files in name order (with
``recursive``, as ``-R``, its subdirectories too, walked in name order). ``-k DIR``,
and a directory that holds a kustomization file (``kustomization.yaml``,
``kustomization.yml`` or ``Kustomization``), reads the kustomization's
``resources:`` in order (files, and directories with their own kustomization) and
its ``namespace:``, which kustomize sets on every namespaced object
(https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/namespace/);
an outer kustomization's namespace wins over an inner one's. Any other kustomize
field (patches, generators, images, commonLabels, ...) changes the objects in ways
netsim does not render: it is an error naming the file, line and field, with the
way out (``kustomize build DIR | netsim ... -``).
"""

from __future__ import annotations

import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from netsim.errors import LoadError, NetsimError
from netsim.fileio import check_named_path, list_folder
from netsim.model.yamllines import line_of
from netsim.model.yamlsafe import decode_bytes, parse_yaml_text

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
"""The names kustomize looks for in a directory, in its order."""
KUSTOMIZATION_FIELDS = frozenset({"apiVersion", "kind", "metadata", "resources", "namespace"})
"""The kustomization fields netsim renders; every other one is an error."""


@dataclass(frozen=True, slots=True)
class Input:
    """One manifest file to read, and the namespace a kustomization sets on its objects."""

    path: str
    namespace: str = ""


def kustomization_file(directory: Path) -> Path | None:
    """The kustomization file of ``directory``, or None; LoadError if it has several."""
    found = [directory / name for name in KUSTOMIZATION_FILES if (directory / name).is_file()]
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise LoadError(f"{directory}: found multiple kustomization files ({names}): keep one")
    return found[0] if found else None


def expand_inputs(
    paths: Sequence[str | Path], recursive: bool = False, kustomize: Sequence[str | Path] = ()
) -> tuple[list[Input], list[NetsimError]]:
    """The files of ``-f`` paths and ``-k`` directories, in order, and every error met.

    A missing path, a directory without manifests, a kustomization that cannot be
    rendered are errors; the other inputs are still listed.
    """
    out: list[Input] = []
    errors: list[NetsimError] = []
    for raw in paths:
        try:
            out += _expand_path(str(raw), recursive)
        except LoadError as exc:
            errors.append(exc)
    for raw in kustomize:
        try:
            directory = Path(raw)
            if not directory.is_dir():
                raise LoadError(f"{raw}: -k needs a directory holding a kustomization.yaml")
            out += _kustomization(directory, "", ())
        except LoadError as exc:
            errors.append(exc)
    return out, errors


def _expand_path(text: str, recursive: bool) -> list[Input]:
    if text == STDIN:
        return [Input(text)]
    path = Path(text)
    if stat.S_ISDIR(check_named_path(text).st_mode):  # says why a named path is unusable
        if kustomization_file(path) is not None:
            return _kustomization(path, "", ())
        found = _directory_files(path, recursive)
        if not found:
            where = "directory tree" if recursive else "directory"
            hint = ""
            if not recursive and any(p.is_dir() for p in list_folder(path)):
                hint = " (it has subdirectories: -R reads them, as kubectl apply -R does)"
            raise LoadError(f"{text}: no manifest files (*.yaml, *.yml, *.json) in {where}{hint}")
        return found
    return [Input(text)]


def _directory_files(directory: Path, recursive: bool) -> list[Input]:
    out: list[Input] = []
    for entry in list_folder(directory):
        if entry.is_file() and entry.suffix.lower() in MANIFEST_SUFFIXES:
            out.append(Input(str(entry)))
        elif recursive and entry.is_dir():
            if kustomization_file(entry) is not None:
                out += _kustomization(entry, "", ())
            else:
                out += _directory_files(entry, recursive)
    return out


def _kustomization(directory: Path, outer: str, seen: tuple[Path, ...]) -> list[Input]:
    """The inputs of the kustomization in ``directory`` (``outer``: an enclosing namespace)."""
    file = kustomization_file(directory)
    if file is None:
        raise LoadError(f"{directory}: no kustomization file ({', '.join(KUSTOMIZATION_FILES)})")
    resolved = file.resolve()
    if resolved in seen:
        raise LoadError(f"{file}: kustomization cycle: it includes itself")
    try:
        text = decode_bytes(file.read_bytes(), str(file))
    except OSError as exc:
        raise LoadError(f"{file}: cannot read: {exc.strerror or exc}") from None
    documents = parse_yaml_text(text, str(file))
    present = [i for i, d in enumerate(documents) if d is not None]
    if len(present) != 1 or not isinstance(documents[present[0]], dict):
        raise LoadError(f"{file}: a kustomization is one YAML mapping")
    index = present[0]
    spec = cast(dict[str, object], documents[index])

    def where(field: str) -> str:
        line = line_of(text, index, field)
        return f"{file}:{line}" if line else str(file)

    for field in spec:
        if field not in KUSTOMIZATION_FIELDS:
            raise LoadError(
                f"{where(str(field))}: {field}: not supported: netsim reads a kustomization's "
                f"resources and namespace only, it does not render {field}; run "
                f"`kustomize build {directory} | netsim ... -` to load what kustomize renders"
            )
    namespace = spec.get("namespace") or ""
    if not isinstance(namespace, str):
        raise LoadError(f"{where('namespace')}: namespace: must be a string")
    namespace = outer or namespace
    resources = spec.get("resources") or []
    if not isinstance(resources, list):
        raise LoadError(f"{where('resources')}: resources: must be a list of paths")
    out: list[Input] = []
    for i, item in enumerate(resources):
        field = f"resources[{i}]"
        if not isinstance(item, str) or not item:
            raise LoadError(f"{where(field)}: {field}: must be a path")
        if "://" in item or item.startswith(("github.com/", "git@")):
            raise LoadError(
                f"{where(field)}: {field}: {item}: remote resources are not fetched; "
                "download them and list the local path"
            )
        target = directory / item
        if target.is_dir():
            out += _kustomization(target, namespace, (*seen, resolved))
        elif target.is_file():
            out.append(Input(str(target), namespace))
        else:
            raise LoadError(f"{where(field)}: {field}: {item}: no such file or directory")
    return out
