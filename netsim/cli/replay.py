"""``netsim replay CAPTURE PATH... --at ENDPOINT``: a real capture's frames, each one's fate.

Loads the cluster from manifests (as ``matrix`` and ``explain`` do), builds the
simulated network under ``--profile``, and sends every frame of the pcap or
pcapng file ``CAPTURE`` from ``ENDPOINT`` (``ns/pod``, ``node/NAME``) through it
(:mod:`netsim.sim.replay`). Prints one line per frame (``--json``: one record
each). Exit 0 whatever the fates; 2 for an unreadable capture, bad manifests or
an unknown endpoint.
"""

from __future__ import annotations

import argparse
from typing import Any

from netsim.cli.inputs import add_input_arguments, load_inputs
from netsim.cli.matrix import add_profile_argument, profile_from_args


def register(subparsers: Any) -> None:
    """Add the ``replay`` subcommand."""
    parser = subparsers.add_parser(
        "replay",
        usage="netsim replay CAPTURE PATH... --at ENDPOINT [options]",
        help="send each frame of a capture into the simulated cluster and print its fate",
        description="Load manifests, then send every frame of CAPTURE (pcap or pcapng) "
        "from ENDPOINT as that endpoint would put it on its interface, through conntrack, "
        "kube-proxy and NetworkPolicy; print whether each was delivered or dropped, by "
        "which policies, and what came back. Frames keep their addresses.",
    )
    parser.add_argument(
        "--at",
        required=True,
        metavar="ENDPOINT",
        help="where the frames enter: NAMESPACE/POD or node/NAME",
    )
    # CAPTURE is the first positional (run() takes it from the front of PATH...): one
    # positional run, as argparse reads positionals only up to the first option.
    add_input_arguments(parser)
    add_profile_argument(parser)
    parser.add_argument("--seed", type=int, default=0, help="the network's random seed")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Replay the capture; return the exit code."""
    from netsim.errors import NetsimError
    from netsim.sim.network import Network
    from netsim.sim.replay import replay, replay_json

    if not args.paths:
        raise NetsimError("replay: give the CAPTURE file, then the manifests (PATH...)")
    capture, args.paths = args.paths[0], args.paths[1:]
    profile = profile_from_args(args)
    _manifests, cluster = load_inputs(args)
    net = Network(cluster, seed=args.seed, profile=profile)
    try:
        results = replay(net, capture, args.at)
    finally:
        net.close()
    if args.json:
        print(replay_json(results))
    else:
        for result in results:
            print(result.line())
    return 0
