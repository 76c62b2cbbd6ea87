"""The manifest arguments every command that loads a cluster shares, as kubectl spells them.

``PATH...`` (files, directories, ``-``), ``-k DIR`` (a kustomization), ``-R``
(recurse into directories), ``-n NS`` (the namespace of objects that name none),
``--nodes N`` (the node count when the input declares no Node),
``--allow-removed-apis`` (read API versions Kubernetes removed, with a warning) and ``--strict``
(policies netsim does not evaluate are an error). :func:`load_inputs` loads them,
prints notes and the loud warning about ignored policies on stderr, and returns the
manifests and the cluster.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from netsim.errors import NetsimError

if TYPE_CHECKING:
    from netsim.model.cluster import Cluster
    from netsim.model.ignored import IgnoredPolicy
    from netsim.model.load import Manifests


class IgnoredPoliciesError(NetsimError):
    """``--strict`` and the input holds policies netsim does not evaluate (exit 2)."""


def positive_int(text: str) -> int:
    """Parse a count of at least 1 for argparse."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def parse_seed(text: str) -> int:
    """A seed: an integer from 0 to 2**63-1 (the scenario format's range), for argparse."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid seed {text!r}: must be an integer") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"invalid seed {value}: must be 0 to 2**63-1")
    return value


def add_input_arguments(parser: argparse.ArgumentParser, nodes: bool = True) -> None:
    """Add ``PATH...``, ``-k``, ``-R``, ``-n``, ``--strict`` (and ``--nodes``) to ``parser``."""
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="a manifest file (YAML or JSON), a directory of them, or - to read standard input",
    )
    parser.add_argument(
        "-k",
        "--kustomize",
        action="append",
        default=[],
        metavar="DIR",
        help="a kustomize directory: read the files its kustomization.yaml lists under "
        "resources: and set its namespace: (repeatable)",
    )
    parser.add_argument(
        "-R",
        "--recursive",
        action="store_true",
        help="also read the manifests in subdirectories of a directory PATH",
    )
    parser.add_argument(
        "-n",
        "--namespace",
        default="",
        metavar="NS",
        help="namespace for objects that do not name one (as kubectl -n; an object in "
        "another namespace is an error)",
    )
    if nodes:
        parser.add_argument(
            "--nodes",
            dest="node_count",
            type=positive_int,
            metavar="N",
            help="how many nodes to simulate when the manifests declare none "
            "(default: enough for 110 pods per node, as kubelet allows)",
        )
    parser.add_argument(
        "--allow-removed-apis",
        action="store_true",
        help="read API versions Kubernetes no longer serves (NetworkPolicy "
        "extensions/v1beta1, removed in 1.16) as the current one, with a warning, "
        "instead of refusing them as a current cluster does",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 2 when the manifests hold policies netsim does not evaluate "
        "(Calico, Cilium, AdminNetworkPolicy, ...) instead of only warning",
    )


def warning_text(ignored: tuple[IgnoredPolicy, ...]) -> str:
    """The loud warning naming every ignored policy (several lines)."""
    count = len(ignored)
    head = (
        f"warning: {count} polic{'y' if count == 1 else 'ies'} netsim does not evaluate: "
        "answers here ignore them, a cluster that enforces them may answer otherwise "
        "(--strict makes this an error):"
    )
    return "\n".join([head, *(f"  {item}" for item in ignored)])


def strict_text(ignored: tuple[IgnoredPolicy, ...]) -> str:
    """The ``--strict`` error: the ignored policies, one per line."""
    return "\n".join(
        [
            f"--strict: the manifests hold {len(ignored)} polic"
            f"{'y' if len(ignored) == 1 else 'ies'} netsim does not evaluate:",
            *(f"  {item}" for item in ignored),
        ]
    )


def load_inputs(args: argparse.Namespace, cluster: bool = True) -> tuple[Manifests, Cluster]:
    """Load the manifests ``args`` name; print notes and warnings on stderr.

    Raises IgnoredPoliciesError under ``--strict`` when policies are ignored, and
    NetsimError when no input is given.
    """
    from netsim.model.cluster import Cluster
    from netsim.model.load import LoadOptions, load_documents, manifests_into_cluster

    if not args.paths and not args.kustomize:
        raise NetsimError("no manifests: give a PATH (file, directory or -) or -k DIR")
    options = LoadOptions(
        recursive=args.recursive,
        kustomize=tuple(args.kustomize),
        namespace=args.namespace,
        nodes=getattr(args, "node_count", None),
        allow_removed_apis=bool(getattr(args, "allow_removed_apis", False)),
    )
    manifests = load_documents(args.paths, options)
    for note in manifests.notes:
        print(f"note: {note}", file=sys.stderr)
    for warning in manifests.warnings:
        print(warning, file=sys.stderr)
    if manifests.ignored:
        if args.strict:
            raise IgnoredPoliciesError(strict_text(manifests.ignored))
        print(warning_text(manifests.ignored), file=sys.stderr)
    return manifests, manifests_into_cluster(manifests) if cluster else Cluster()


def ignored_json(manifests: Manifests) -> list[dict[str, Any]]:
    """The ``ignored`` list of ``--json`` outputs."""
    return [item.to_dict() for item in manifests.ignored]
