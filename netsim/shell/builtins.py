"""``netsim SUB`` at the host prompt: look at the live cluster from the policy engine's side.

- ``netsim reach [--port P[/PROTO]]...``: the truth table of the cluster as it is now;
- ``netsim explain SRC DST:PORT[/PROTO]``: why one connection passes or not;
- ``netsim why``: what the policy did to the packets of the last command typed in a pod;
- ``netsim pcap FILE``: write every frame captured so far;
- ``netsim reset``: the cluster as the session started;
- ``netsim help``: this list.

A lab adds ``netsim check`` and ``netsim hint`` (:class:`ShellSession` ``builtins``).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from netsim.errors import NetsimError
from netsim.policy.explain import explain_all
from netsim.policy.portlist import parse_port_text
from netsim.policy.truthtable import tables_text
from netsim.shell.files import resolve

if TYPE_CHECKING:
    from netsim.shell.session import ShellSession

HELP = """\
At this prompt (controlplane $):
  kubectl run|expose|create|apply|delete|label|get|describe|exec ...
  kubectl run NAME --rm -ti --image=busybox -- /bin/sh   open a shell in a new pod
  kubectl exec -ti POD -- sh                             open a shell in a pod
  ls, cat FILE, vi|nano FILE, history, clear, sleep N, exit
  netsim reach [--port P[/PROTO]]    who can reach whom now ('.' allowed, 'X' denied)
  netsim explain SRC DST:PORT[/PROTO] why a connection passes or not
  netsim why                         what the policy did to the last command in a pod
  netsim pcap FILE                   write the packets captured so far
  netsim reset                       start the cluster over
In a pod (/ #): wget, nc, ping, nslookup, cat /etc/resolv.conf, hostname, ip addr, exit"""


def _port(text: str) -> tuple[str, int]:
    """``80`` or ``53/UDP`` -> (protocol, port); NetsimError otherwise."""
    try:
        return parse_port_text(text)
    except ValueError as exc:
        raise NetsimError(str(exc)) from None


def reach(session: ShellSession, args: list[str]) -> tuple[str, int]:
    """The truth table of the current cluster for each ``--port`` (default 80/TCP)."""
    ports: list[tuple[str, int]] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("--port", "-p") and i + 1 < len(args):
            ports.append(_port(args[i + 1]))
            i += 2
        elif arg.startswith("--port="):
            ports.append(_port(arg.split("=", 1)[1]))
            i += 1
        else:
            return f"netsim reach: unknown argument {arg!r} (usage: netsim reach [--port P])", 2
    engine = session.runner.hook.engine
    ports = list(dict.fromkeys(ports or [("TCP", 80)]))
    names = [p.key for p in engine.pods()]
    return tables_text(names, ports, engine.matrix(ports)), 0


def _end(session: ShellSession, text: str, destination: bool) -> str:
    """A pod name, ``ns/name``, a Service name (destination) or an IP, as explain takes it."""
    cluster = session.runner.cluster
    if text.startswith(("svc:", "node:")) or text.replace(".", "").isdigit() or ":" in text:
        return text
    key = text if "/" in text else f"default/{text}"
    if key in cluster.pods:
        return key
    if destination and key in cluster.services:
        return f"svc:{key}"
    return key


def explain(session: ShellSession, args: list[str]) -> tuple[str, int]:
    """Why SRC can or cannot open a connection to DST:PORT[/PROTO]."""
    if len(args) != 2 or ":" not in args[1]:
        return (
            "usage: netsim explain SRC DST:PORT[/PROTO]  (e.g. netsim explain client nginx:80)",
            2,
        )
    target, _, port_text = args[1].rpartition(":")
    protocol, port = _port(port_text)
    engine = session.runner.hook.engine
    explanations = explain_all(
        engine, _end(session, args[0], False), _end(session, target, True), protocol, port
    )
    return "\n\n".join(e.render(engine.profile) for e in explanations), 0


def _event_text(event: Any) -> str:
    """One trace event as a sentence."""
    flow = f"{event.protocol} {event.src}:{event.sport} -> {event.dst}:{event.dport}"
    if event.kind == "policy-allow":
        reason = (
            "not isolated in this direction" if event.reason == "not-isolated" else event.reason
        )
        return f"allowed  {flow} at {event.where}: {event.rule or reason}"
    if event.kind == "drop" and event.reason.startswith("policy-"):
        who = ", ".join(event.isolating) or "a policy"
        return f"DROPPED  {flow} at {event.where}: isolated by {who}, no rule of theirs matches"
    if event.kind == "drop":
        return f"DROPPED  {flow} at {event.where}: {event.reason}"
    return f"{event.kind:8} {flow} at {event.where}: {event.reason}"


def why(session: ShellSession, args: list[str]) -> tuple[str, int]:
    """What the policy did to the packets of the last command typed in a pod."""
    if session.last_pod_command is None:
        return "netsim why: no command has run in a pod yet", 1
    pod, record, mark = session.last_pod_command
    trace = getattr(session.runner.network, "trace", [])
    events = [e for e in trace[mark:] if e.kind in ("drop", "policy-allow")]
    head = f"{pod}: {record.command} (exit code {record.exit_code})"
    if not events:
        return f"{head}\n  no new connection was checked by a policy", 0
    counts = Counter(_event_text(e) for e in events)
    lines = [head]
    for text, count in counts.items():
        lines.append(f"  {text}" + (f"  (x{count})" if count > 1 else ""))
    return "\n".join(lines), 0


def pcap(session: ShellSession, args: list[str]) -> tuple[str, int]:
    """Write the frames captured so far to FILE."""
    if len(args) != 1:
        return "usage: netsim pcap FILE", 2
    path = resolve(session.workdir, args[0])
    count = session.runner.network.write_pcap(str(path))
    return f"wrote {count} frames to {args[0]}", 0


def reset(session: ShellSession, args: list[str]) -> tuple[str, int]:
    """Start the cluster over."""
    session.reset()
    return "the cluster is back as the session started", 0


BUILTINS = {"reach": reach, "explain": explain, "why": why, "pcap": pcap, "reset": reset}
"""The built-ins every session has."""


def run_builtin(session: ShellSession, args: list[str]) -> tuple[str, int]:
    """Run ``netsim ARGS...`` typed at the host prompt."""
    if not args or args[0] in ("help", "--help", "-h"):
        return HELP, 0
    handler = session.extra_builtins.get(args[0]) or BUILTINS.get(args[0])
    if handler is None:
        known = ", ".join(sorted({*BUILTINS, *session.extra_builtins, "help"}))
        return f'netsim: unknown command "{args[0]}" in the shell (try: {known})', 2
    return handler(session, args[1:])
