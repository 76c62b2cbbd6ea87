"""Plugin profiles: the points where real NetworkPolicy implementations differ.

The default profile is ``upstream`` (Kubernetes' own e2e conformance tests,
which Calico passes). Each field is a documented switch; see SEMANTICS.md §7.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

HostNetworkMode = Literal["node", "pod"]


@dataclass(frozen=True, slots=True)
class Profile:
    """How the simulated CNI enforces NetworkPolicy.

    - ``enforce``: False models a CNI without NetworkPolicy support (flannel):
      policies are accepted by the apiserver and enforce nothing.
    - ``ipblock_matches_pod_ips``: True as upstream e2e and Calico; False as
      Cilium ("external-only": ipBlock never matches in-cluster pod IPs).
    - ``node_local_allowed``: traffic from a pod's own node is always allowed.
    - ``host_network``: ``node`` treats hostNetwork pods as node traffic and
      ignores them in selectors (the docs' second case); ``pod`` treats them as pods.
    - ``filter_icmp``: whether ICMP is subject to policy (undefined upstream).
    - ``end_port``: False models a plugin that enforces only ``port`` of a range.
    - ``hairpin_allowed``: a pod reaching itself through its own Service.
    - ``cut_established_on_change``: a policy change drops existing flows.
    - ``drop_spoofed``: a pod's packet whose source address is not the pod's
      own is dropped where it leaves the pod (Calico's and Cilium's
      anti-spoofing check at the workload interface); off, it travels on and
      is judged at the destination as coming from that address.
    """

    name: str = "upstream"
    enforce: bool = True
    ipblock_matches_pod_ips: bool = True
    node_local_allowed: bool = True
    host_network: HostNetworkMode = "node"
    filter_icmp: bool = False
    end_port: bool = True
    hairpin_allowed: bool = True
    cut_established_on_change: bool = False
    drop_spoofed: bool = False


UPSTREAM = Profile()
CALICO = Profile(name="calico", filter_icmp=True, drop_spoofed=True)
CILIUM = Profile(name="cilium", ipblock_matches_pod_ips=False, filter_icmp=True, drop_spoofed=True)
FLANNEL = Profile(name="flannel", enforce=False)

PROFILES: dict[str, Profile] = {p.name: p for p in (UPSTREAM, CALICO, CILIUM, FLANNEL)}


def profile_named(name: str) -> Profile:
    """Return the built-in profile ``name``; raise ValueError listing the known names."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown CNI profile {name!r}: known profiles are {known}") from None


def with_switches(profile: Profile, assignments: list[str] | tuple[str, ...]) -> Profile:
    """Return ``profile`` with ``KEY=VALUE`` overrides applied (``filter_icmp=true``).

    Boolean switches take true/false (also yes/no, on/off, 1/0); ``host_network``
    takes ``node`` or ``pod``. Raises ValueError naming the bad assignment.
    """
    fields = {f.name: f for f in dataclasses.fields(Profile) if f.name != "name"}
    changes: dict[str, bool | str] = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        key, value = key.strip(), value.strip().lower()
        if not sep or key not in fields:
            known = ", ".join(sorted(fields))
            raise ValueError(
                f"bad switch {assignment!r}: expected KEY=VALUE with KEY one of {known}"
            )
        if key == "host_network":
            if value not in ("node", "pod"):
                raise ValueError(f'bad switch {assignment!r}: supported values: "node", "pod"')
            changes[key] = value
        elif value in ("true", "yes", "on", "1"):
            changes[key] = True
        elif value in ("false", "no", "off", "0"):
            changes[key] = False
        else:
            raise ValueError(f"bad switch {assignment!r}: {key} takes true or false")
    return dataclasses.replace(profile, **changes)  # type: ignore[arg-type]
