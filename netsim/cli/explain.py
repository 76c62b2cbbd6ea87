"""``netsim explain PATH... --from A --to B --port P``: why a connection passes or not.

``A`` is ``ns/pod``, an IP or ``node:NAME``; ``B`` is ``ns/pod``, an IP or
``svc:ns/name`` (DNAT to each backend, policy on the pod port). Prints which
policies select each end, whether each side is isolated, the rule that
allowed, or for a denial the nearest misses. ``--json`` prints
``{"allowed", "egress", "ingress", ...}`` (for a Service with several
backends, ``"backends"`` lists each; ``allowed`` is true only if every backend
allows). Exit 0 whatever the verdict; 2 for unknown names.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from netsim.cli.matrix import (
    PROTOCOLS,
    add_profile_argument,
    parse_port_number,
    profile_from_args,
)


def register(subparsers: Any) -> None:
    """Add the ``explain`` subcommand."""
    parser = subparsers.add_parser(
        "explain",
        help="explain the verdict for one connection",
        description="Load manifests and explain whether FROM may open a connection to TO "
        "on PORT: selecting and isolating policies, the allowing rule, near misses.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="manifest file, directory or -")
    parser.add_argument("--from", dest="src", required=True, help="ns/pod, IP or node:NAME")
    parser.add_argument("--to", dest="dst", required=True, help="ns/pod, IP or svc:ns/name")
    parser.add_argument(
        "--port", type=parse_port_number, required=True, help="destination port (1-65535)"
    )
    parser.add_argument(
        "--protocol", default="TCP", type=str.upper, choices=PROTOCOLS, help="default TCP"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_profile_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Explain the connection; return the exit code."""
    from netsim.model.load import load_cluster
    from netsim.policy.engine import PolicyEngine
    from netsim.policy.explain import explain_all

    profile = profile_from_args(args)
    engine = PolicyEngine(load_cluster(args.paths), profile)
    explanations = explain_all(engine, args.src, args.dst, args.protocol, args.port)
    if args.json:
        if len(explanations) == 1:
            out: dict[str, Any] = explanations[0].to_dict()
        else:
            out = dict(explanations[0].to_dict())
            out["allowed"] = all(e.allowed for e in explanations)
            out["backends"] = [e.to_dict() for e in explanations]
        print(json.dumps(out, indent=1))
    else:
        print("\n\n".join(e.render(profile) for e in explanations))
    return 0
