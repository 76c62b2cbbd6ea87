"""``netsim explain PATH... --from A --to B --port P``: why a connection passes or not.

``A`` is ``ns/pod``, an IP, ``node:NAME`` or kubectl's ``TYPE/NAME`` (``pod/``,
``deploy/``, ``sts/``, ``ds/``, ``rs/``, ``svc/``, ... in the namespace ``-n``
gives, default ``default``); ``B`` the same or ``svc:ns/name`` (DNAT to each
backend, policy on the pod port). A workload means each of its pods. Prints which
policies select each end, whether each side is isolated, the rule that allowed, or
for a denial the nearest misses; with cluster-wide policies (AdminNetworkPolicy,
BaselineAdminNetworkPolicy, ClusterNetworkPolicy) also which tier, policy, rule and
action decided, after the Pass rules met on the way, in order (``"chain"`` in JSON).
``--json`` prints ``{"allowed", "egress", "ingress", ...}`` (for a Service with
several backends, ``"backends"`` lists each; for a workload, ``"connections"`` and
``"agree"``; ``allowed`` is true only if every connection is allowed) and
``"ignored"``, the policies netsim did not evaluate. Exit 0 whatever the verdict (with
``--exit-status``: 0 when allowed, 1 when denied); 2 for unknown names.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from netsim.cli.inputs import add_input_arguments, ignored_json, load_inputs
from netsim.cli.matrix import (
    PROTOCOLS,
    add_profile_argument,
    parse_port_number,
    profile_from_args,
)

EXIT_DENIED = 1


def register(subparsers: Any) -> None:
    """Add the ``explain`` subcommand."""
    parser = subparsers.add_parser(
        "explain",
        help="explain why one connection is allowed or denied",
        description="Load manifests and explain whether FROM may open a connection to TO "
        "on PORT: which policies apply to each end, the rule that allowed it, or the rules "
        "that nearly did; with cluster-wide policies, the chain of tiers that decided.",
    )
    add_input_arguments(parser)
    parser.add_argument(
        "--from",
        dest="src",
        required=True,
        help="the client: NAMESPACE/POD, TYPE/NAME as kubectl writes it (pod/web, "
        "deploy/web, sts/db, svc/web, ...; namespace from -n), an IP or node:NAME",
    )
    parser.add_argument(
        "--to",
        dest="dst",
        required=True,
        help="the server: NAMESPACE/POD, TYPE/NAME (svc/web goes through the Service), "
        "svc:NAMESPACE/NAME or an IP",
    )
    parser.add_argument(
        "--port", type=parse_port_number, required=True, help="destination port (1-65535)"
    )
    parser.add_argument(
        "--protocol", default="TCP", type=str.upper, choices=PROTOCOLS, help="default TCP"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--exit-status",
        action="store_true",
        help="exit 0 when the connection is allowed, 1 when it is denied (for scripts)",
    )
    add_profile_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Explain the connection; return the exit code."""
    from netsim.policy.engine import PolicyEngine
    from netsim.policy.explain import explain_all
    from netsim.policy.explaintargets import explain_targets, is_target

    profile = profile_from_args(args)
    manifests, cluster = load_inputs(args)
    engine = PolicyEngine(cluster, profile)
    out: dict[str, Any]
    if is_target(args.src) or is_target(args.dst):
        targets = explain_targets(
            engine, args.src, args.dst, args.protocol, args.port, args.namespace
        )
        allowed, out, text = targets.allowed, targets.to_dict(), targets.render(profile)
    else:
        explanations = explain_all(engine, args.src, args.dst, args.protocol, args.port)
        allowed = all(e.allowed for e in explanations)
        if len(explanations) == 1:
            out = explanations[0].to_dict()
        else:
            out = dict(explanations[0].to_dict())
            out["allowed"] = allowed
            out["backends"] = [e.to_dict() for e in explanations]
        text = "\n\n".join(e.render(profile) for e in explanations)
    if args.json:
        out["ignored"] = ignored_json(manifests)
        print(json.dumps(out, indent=1))
    else:
        print(text)
    return EXIT_DENIED if args.exit_status and not allowed else 0
