"""What the network records as frames move: captures, counters, the trace, a send's fate.

One :class:`Recorder` per network. Every stage reports to it: a frame crossing
an interface (:meth:`Recorder.cap`), a frame reaching a host's stack
(:meth:`Recorder.deliver`), a drop with its reason and the deciding policy
(:meth:`Recorder.drop`), a NAT or an allow (:meth:`Recorder.note`). Captures
are kept only when asked for; counters always.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

import simpy

from netsim.errors import LookupFailed
from netsim.policy.verdict import SideDecision
from netsim.sim.fate import FateWatch
from netsim.sim.flow import Frame
from netsim.sim.topology import Capture, Host
from netsim.sim.trace import Counters, TraceEvent, event_for

TraceLevel = Literal["drops", "all"]
NoteKind = Literal["policy-allow", "dnat", "snat", "reject"]


class Recorder:
    """Captures (when ``capturing``), counters and trace events of one network."""

    def __init__(self, env: simpy.Environment, capturing: bool, trace_level: TraceLevel) -> None:
        self.env = env
        self.capturing = capturing
        self.trace_level: TraceLevel = trace_level
        self._captured: list[tuple[float, int, tuple[str, ...], Frame]] = []
        self.trace: list[TraceEvent] = []
        self.counters = Counters.empty()
        self.watch: FateWatch | None = None
        self._order = 0

    def cap(self, iface: str, frame: Frame, delay: float) -> None:
        """``frame`` crosses ``iface`` ``delay`` seconds from now."""
        self.counters.interfaces[iface] += 1
        if self.capturing:
            self._order += 1
            self._captured.append((self.env.now + delay, self._order, (iface,), frame.copy()))

    def cap_each(self, ifaces: Sequence[str], frame: Frame, delay: float) -> None:
        """The same ``frame`` crosses each of ``ifaces`` at once (a flood out of bridge ports).

        One copy of the frame is kept for all of them; :attr:`captures` lists
        one capture per interface, as :meth:`cap` for each would.
        """
        interfaces = self.counters.interfaces
        for iface in ifaces:
            interfaces[iface] += 1
        if self.capturing and ifaces:
            order = self._order + 1
            self._order += len(ifaces)
            self._captured.append((self.env.now + delay, order, tuple(ifaces), frame.copy()))

    @property
    def captures(self) -> list[Capture]:
        """Every captured frame, in the order they were recorded."""
        return [
            Capture(time, order + i, iface, frame)
            for time, order, ifaces, frame in self._captured
            for i, iface in enumerate(ifaces)
        ]

    def deliver(self, host: Host, frame: Frame, delay: float) -> None:
        """Hand ``frame`` to ``host``'s stack ``delay`` seconds from now (if it still lives)."""

        def arrive(_event: object) -> None:
            if host.alive:
                if self.watch is not None:
                    self.watch.arrived(host.key, frame)
                host.stack.receive(frame)

        timeout = self.env.timeout(delay)
        timeout.callbacks.append(arrive)

    def drop(
        self, where: str, frame: Frame, reason: str, delay: float, d: SideDecision | None = None
    ) -> None:
        """Count and trace a dropped frame (``d``: the policy decision that dropped it)."""
        if self.watch is not None:
            self.watch.dropped(frame, reason, d)
        counters = self.counters
        counters.drops[reason] += 1
        counters.drops_at[where] += 1
        isolating = d.isolating_policies if d is not None else ()
        denied_by = d.denied_by if d is not None else ()
        if denied_by:
            counters.policy_drops[",".join(denied_by)] += 1
        self.trace.append(
            event_for(
                self.env.now + delay,
                "drop",
                where,
                frame.key,
                frame.version,
                reason if d is None else f"{reason}: {d.reason}",
                d.rule if d is not None else None,
                isolating,
            )
        )

    def reject(self, where: str, frame: Frame, reason: str, delay: float) -> None:
        """Count and trace a rejected frame (kube-proxy's REJECT)."""
        self.counters.drops[reason] += 1
        if self.watch is not None:
            self.watch.dropped(frame, reason, None)
        self.note("reject", where, frame, reason, delay)

    def enforce(
        self,
        where: str,
        drop_reason: str,
        frame: Frame,
        d: SideDecision,
        delay: float,
        rules: list[str],
    ) -> bool:
        """Apply one enforcement point's decision: drop and trace it, or note the allowing rule.

        Returns whether the frame goes on.
        """
        if not d.allowed:
            self.drop(where, frame, drop_reason, delay, d)
            return False
        if d.rule is not None:
            rules.append(str(d.rule))
        if self.watch is not None:
            self.watch.allowed(frame, d)
        self.note("policy-allow", where, frame, d.reason, delay, d)
        return True

    def note(
        self,
        kind: NoteKind,
        where: str,
        frame: Frame,
        reason: str,
        delay: float,
        d: SideDecision | None = None,
    ) -> None:
        """Trace a NAT, an allow or a reject (all but rejects only at trace level ``all``)."""
        if self.trace_level == "all" or kind == "reject":
            self.trace.append(
                event_for(
                    self.env.now + delay,
                    kind,
                    where,
                    frame.key,
                    frame.version,
                    reason,
                    d.rule if d is not None else None,
                )
            )

    def captured(self, interface: str | None = None) -> list[Capture]:
        """Captured frames in time order, optionally of one interface only."""
        items = sorted(self.captures, key=lambda c: (c.time, c.order))
        if interface is None:
            return items
        return [c for c in items if c.interface == interface]

    def write_pcap(
        self, path: str | Path, interface: str | Sequence[str] | None, known: Iterable[str]
    ) -> int:
        """Write the captured frames (of ``interface``: one name, several, or None for all).

        ``known`` are the interface names a filter may use besides those that
        captured a frame (an unknown name is a :class:`LookupFailed` listing them).
        """
        from netsim.sim.packet import FrameRenderer, write_pcapng

        frames = self.captured()
        if interface is not None:
            wanted = {interface} if isinstance(interface, str) else set(interface)
            names_known = set(known) | {c.interface for c in frames}
            unknown = sorted(wanted - names_known)
            if unknown:
                raise LookupFailed(
                    f"no interface {unknown[0]!r}: the interfaces are "
                    f"{', '.join(sorted(names_known))}"
                )
            frames = [c for c in frames if c.interface in wanted]
        names = sorted({c.interface for c in frames})
        index = {name: i for i, name in enumerate(names)}
        renderer = FrameRenderer()
        return write_pcapng(
            path, names, ((c.time, index[c.interface], renderer.render(c.frame)) for c in frames)
        )
