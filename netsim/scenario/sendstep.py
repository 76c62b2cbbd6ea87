"""The ``send:`` step: a packet described field by field, put on a pod's interface.

The destination is resolved against the live cluster (a pod, ``svc/NAME``,
``node/NAME``, an IP, or a placeholder the runner substitutes), the packet is
built from the step's fields (:func:`netsim.sim.packet.build_packet`: no code is
evaluated from YAML) and handed to ``Network.send``; the transcript shows the
packet and its fate, and the step's exit code is 0 when it was delivered, 1 when
it was dropped, so ``expect: {allowed: ...}``, ``contains`` and ``output`` check it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from netsim.addr import is_ip
from netsim.errors import NetsimError, ScenarioError
from netsim.model.cluster import Cluster
from netsim.scenario.schema import PacketSpec, Step
from netsim.sim.flow import PROTO_TCP, policy_protocol
from netsim.sim.packet import build_packet

if TYPE_CHECKING:
    from netsim.sim.fate import PacketFate
    from netsim.sim.packet import Packet

SPORT_BASE = 40000
"""Source ports of sent packets when the step names none: 40000, 40001, ... per run."""


class Sender(Protocol):
    """The network's ``send`` (netsim.sim.network.Network.send)."""

    def send(self, packet: Packet | bytes, at: str) -> PacketFate:
        """Put ``packet`` on the interface of ``at``; its fate."""


def destination(cluster: Cluster, spec: PacketSpec, sender: str) -> str:
    """The IP ``spec.to`` names, for a sender ``ns/pod`` (its namespace is the default)."""
    target = spec.to
    namespace = sender.split("/", 1)[0] if "/" in sender else "default"
    if is_ip(target):
        return target
    kind, _, rest = target.partition("/")
    if kind == "node" and rest:
        node = cluster.nodes.get(rest)
        if node is None:
            raise NetsimError(f'nodes "{rest}" not found')
        return node.ip
    if kind in ("svc", "service") and rest:
        key = rest if "/" in rest else f"{namespace}/{rest}"
        return cluster.service(key).cluster_ip
    key = target if "/" in target else f"{namespace}/{target}"
    return cluster.pod(key).ip


def run_send(
    cluster: Cluster,
    network: Sender,
    step: Step,
    where: str,
    substitute: Callable[[str, str], str],
    number: int,
) -> tuple[str, str, int]:
    """Carry out a ``send:`` step: (the transcript's command line, the fate, exit code).

    ``number`` counts the run's send steps (for the default source port).
    """
    spec = step.packet
    assert spec is not None
    at = step.argument
    try:
        dst = destination(cluster, PacketSpec(substitute(spec.to, where), spec.protocol), at)
        sport = spec.sport or (SPORT_BASE + number) % 65536
        packet = build_packet(
            dst,
            spec.protocol,
            src=spec.source,
            sport=sport,
            dport=spec.port,
            flags=spec.flags,
            ttl=spec.ttl,
            payload=spec.payload.encode(),
        )
        fate = network.send(packet, at)
    except NetsimError as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    name = policy_protocol(spec.protocol)
    text = f"[{at}] send {name} "
    text += f"{dst}:{spec.port}" if spec.port else dst
    if spec.protocol == PROTO_TCP:
        text += f" flags={spec.flags}"
    if spec.source:
        text += f" from {spec.source}"
    return text, str(fate), 0 if fate.delivered else 1
