"""The scenario file format: frozen step values and their validation with field paths.

A scenario is a YAML mapping (documented in ``scenarios/README.md``)::

    title: ...
    seed: 1
    cluster: {nodes: 2, pod_cidr: ..., service_cidr: ..., cni: calico, switches: {...},
              cluster_ips: {default/nginx: 10.100.0.16}}
    steps:
      - kubectl: run nginx --image=nginx --replicas=2
        expect: {output: 'deployment "nginx" created'}

:func:`scenario_from_dict` checks every field and reports all problems at once,
each as ``<file>: steps[3].expect.exit_code: <message>`` in the apiserver's words
(``Required value``, ``Invalid value``, ``Unsupported value``), raising
:class:`~netsim.errors.ScenarioError`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from netsim.addr import Prefix, is_ip
from netsim.errors import FieldError, ScenarioError
from netsim.model.cluster import Cluster
from netsim.model.validate import go_quote, is_dns1123_label, is_dns1123_subdomain
from netsim.policy.profile import PROFILES, Profile

ManifestVerb = Literal["create", "apply", "delete"]
MANIFEST_VERBS: tuple[ManifestVerb, ...] = ("create", "apply", "delete")
ACTIONS: tuple[str, ...] = (
    "kubectl",
    "create",
    "apply",
    "delete",
    "exec",
    "send",
    "shell",
    "sleep",
    "cat",
    "comment",
    "wait",
    "expect",
)
"""The keys that make a step; each step has exactly one of them."""

MAX_NODES = 64
CLUSTER_DOMAIN: str = Cluster.cluster_domain
"""The DNS domain of a scenario's cluster (``Cluster``'s default)."""
MAX_SLEEP_SECONDS = 86_400.0


@dataclass(frozen=True, slots=True)
class Expect:
    """Checks on a step's result; every field that is set must hold.

    - ``output``: the output equals this text (trailing newlines ignored);
    - ``contains`` / ``not_contains``: every string is / none is in the output;
    - ``exit_code``: the step's exit code (for a shell session: the last command's);
    - ``allowed``: True when the connection succeeded (exit code 0), False when it
      failed (non-zero: a timeout or a failed name lookup under a policy drop).

    ``path`` is the field path of this ``expect`` in the scenario file.
    """

    path: str
    output: str | None = None
    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()
    exit_code: int | None = None
    allowed: bool | None = None


@dataclass(frozen=True, slots=True)
class ShellCommand:
    """One command typed at the ``/ #`` prompt of a ``shell:`` session."""

    path: str
    command: str
    expect: tuple[Expect, ...] = ()


@dataclass(frozen=True, slots=True)
class PacketSpec:
    """A packet a ``send:`` step puts on a host's interface, field by field (no code).

    ``to`` is a pod (``name`` in the step's namespace, or ``ns/name``),
    ``svc/NAME``, ``node/NAME``, an IP or a ``{pod_ip:...}``-style placeholder;
    ``protocol`` the IP protocol number (``TCP``, ``UDP``, ``SCTP``, ``ICMP`` or
    another protocol by number or name, e.g. ``GRE``); ``port`` the destination
    port (TCP/UDP/SCTP), ``sport`` the source port (0: an ephemeral one); ``flags``
    TCP flags as scapy writes them (``S``, ``SA``, ``R``...); ``source`` a source
    address other than the sender's own (a spoofed one); ``ttl``; ``payload`` text.
    """

    to: str
    protocol: int
    port: int = 0
    sport: int = 0
    flags: str = "S"
    source: str = ""
    ttl: int = 64
    payload: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a scenario.

    ``action`` says which key made it:

    - ``kubectl``: ``argument`` is the command line (without ``kubectl``);
    - ``create``/``apply``/``delete``: ``argument`` is a file path relative to the
      scenario (or ``""`` with inline ``documents``);
    - ``exec``: ``argument`` is the pod (``ns/name``, ``name`` or ``deployment/name``),
      ``command`` the command;
    - ``shell``: ``argument`` is the ``kubectl run ... --rm -ti ... /bin/sh`` line,
      ``commands`` what is typed at its prompt;
    - ``sleep``: ``seconds`` of simulated time;
    - ``cat``: ``argument`` is a file shown as ``$ cat file`` shows it;
    - ``comment``: ``argument`` is text printed as ``# ...`` lines;
    - ``wait``: ``argument`` is the id of a background step to wait for.

    ``note`` is printed as ``# ...`` lines before the step; ``expect`` checks its result.
    ``background`` (exec steps only) is the id of the job the command runs as: it starts
    and the scenario goes on; its ``expect`` is checked at the ``wait`` step naming it.
    """

    path: str
    action: str
    argument: str = ""
    command: str = ""
    documents: tuple[Mapping[str, Any], ...] = ()
    commands: tuple[ShellCommand, ...] = ()
    seconds: float = 0.0
    note: str = ""
    expect: tuple[Expect, ...] = ()
    packet: PacketSpec | None = None
    background: str = ""


@dataclass(frozen=True, slots=True)
class ClusterSpec:
    """The cluster a scenario starts with.

    ``cni`` names a profile of :mod:`netsim.policy.profile`; ``switches`` override
    that profile's fields; ``cluster_ips`` pins the ClusterIP a Service
    (``ns/name``) gets when it is created without one; ``external`` names the
    internet clients (name -> IP) that ``exec`` can run commands on as
    ``external/<name>``; ``external_dns`` the DNS names (host name -> DNS name) the
    cluster DNS answers with their IPs, as CoreDNS forwarding upstream would.
    """

    nodes: int = 2
    pod_cidr: str = "10.244.0.0/16"
    service_cidr: str = "10.100.0.0/16"
    cni: str = "calico"
    switches: tuple[tuple[str, bool | str], ...] = ()
    cluster_ips: tuple[tuple[str, str], ...] = ()
    external: tuple[tuple[str, str], ...] = ()
    external_dns: tuple[tuple[str, str], ...] = ()

    def profile(self, cni: str | None = None) -> Profile:
        """The profile named ``cni`` (default: this spec's) with the switches applied."""
        base = PROFILES[cni or self.cni]
        return dataclasses.replace(base, **dict(self.switches))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario: where it came from, its cluster and its ordered steps."""

    source: str
    base_dir: Path
    title: str
    description: str = ""
    seed: int = 0
    cluster: ClusterSpec = ClusterSpec()
    steps: tuple[Step, ...] = ()

    @property
    def name(self) -> str:
        """The scenario's file name without its extension."""
        return Path(self.source).stem


class ScenarioFieldErrors(ScenarioError):
    """Every problem of one scenario document: ``<file>[:LINE]: <field path>: <message>``.

    ``lines`` (1-based, one per error, None when unknown) come from the file's text
    (:func:`netsim.scenario.load.load_scenario` adds them with :meth:`located`).
    """

    def __init__(
        self, source: str, errors: Sequence[FieldError], lines: Sequence[int | None] = ()
    ) -> None:
        self.source = source
        self.errors = tuple(errors)
        self.lines = tuple(lines) or (None,) * len(self.errors)
        super().__init__(
            "\n".join(
                f"{source}{'' if line is None else f':{line}'}: {error}"
                for error, line in zip(self.errors, self.lines, strict=True)
            )
        )

    def located(self, lines: Sequence[int | None]) -> ScenarioFieldErrors:
        """The same errors, each with its line in the file."""
        return ScenarioFieldErrors(self.source, self.errors, lines)


# --------------------------------------------------------------------- checker
@dataclass
class _Checker:
    """Collects field errors while reading a scenario document."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def known(self, doc: Mapping[str, Any], path: str, allowed: Sequence[str]) -> None:
        for key in doc:
            if key not in allowed:
                where = f"{path}.{_key(key)}" if path else _key(key)
                supported = ", ".join(f'"{a}"' for a in allowed)
                self.add(where, f"Unsupported field: supported fields: {supported}")

    def string(self, value: Any, path: str, *, empty: bool = False) -> str | None:
        if isinstance(value, str) and (empty or value.strip()):
            return value
        if isinstance(value, str):
            self.add(path, "Required value: must not be empty")
        else:
            self.add(path, f"Invalid value: {_show(value)}: must be a string")
        return None

    def integer(self, value: Any, path: str, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, f"Invalid value: {_show(value)}: must be an integer")
            return None
        if not low <= value <= high:
            self.add(path, f"Invalid value: {value}: must be between {low} and {high}, inclusive")
            return None
        return value

    def boolean(self, value: Any, path: str) -> bool | None:
        if isinstance(value, bool):
            return value
        self.add(path, f"Invalid value: {_show(value)}: must be true or false")
        return None

    def mapping(self, value: Any, path: str) -> Mapping[str, Any] | None:
        if isinstance(value, Mapping):
            return value
        self.add(path, f"Invalid value: {_show(value)}: must be a mapping")
        return None

    def strings(self, value: Any, path: str) -> tuple[str, ...]:
        items = value if isinstance(value, list) else [value]
        out = []
        for i, item in enumerate(items):
            text = self.string(item, f"{path}[{i}]" if isinstance(value, list) else path)
            if text is not None:
                out.append(text)
        return tuple(out)


def _key(key: Any) -> str:
    """A mapping key as it appears in a field path (quoted unless plain printable text)."""
    text = str(key)
    if text and text.isprintable() and not any(ch in text for ch in ' ."[]'):
        return text
    return go_quote(text)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return go_quote(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "{...}"
    if isinstance(value, list):
        return "[...]"
    return str(value)


def _expect(c: _Checker, value: Any, path: str) -> Expect | None:
    doc = c.mapping(value, path)
    if doc is None:
        return None
    c.known(doc, path, ("output", "contains", "not_contains", "exit_code", "allowed"))
    if not doc:
        c.add(
            path,
            "Required value: at least one of output, contains, not_contains, exit_code, allowed",
        )
    output = None
    if "output" in doc:
        output = c.string(doc["output"], f"{path}.output", empty=True)
    contains = c.strings(doc["contains"], f"{path}.contains") if "contains" in doc else ()
    not_contains = (
        c.strings(doc["not_contains"], f"{path}.not_contains") if "not_contains" in doc else ()
    )
    exit_code = None
    if "exit_code" in doc:
        exit_code = c.integer(doc["exit_code"], f"{path}.exit_code", 0, 255)
    allowed = c.boolean(doc["allowed"], f"{path}.allowed") if "allowed" in doc else None
    return Expect(path, output, contains, not_contains, exit_code, allowed)


def _expects(c: _Checker, doc: Mapping[str, Any], path: str) -> tuple[Expect, ...]:
    if "expect" not in doc:
        return ()
    found = _expect(c, doc["expect"], f"{path}.expect")
    return (found,) if found else ()


def _shell_commands(c: _Checker, value: Any, path: str) -> tuple[ShellCommand, ...]:
    if not isinstance(value, list) or not value:
        c.add(path, "Required value: a non-empty list of commands typed at the prompt")
        return ()
    out = []
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if isinstance(item, str):
            text = c.string(item, where)
            if text is not None:
                out.append(ShellCommand(where, text.strip()))
            continue
        doc = c.mapping(item, where)
        if doc is None:
            continue
        c.known(doc, where, ("run", "expect"))
        if "run" not in doc:
            c.add(f"{where}.run", "Required value")
            continue
        text = c.string(doc["run"], f"{where}.run")
        if text is not None:
            out.append(ShellCommand(where, text.strip(), _expects(c, doc, where)))
    return tuple(out)


def _documents(c: _Checker, value: Any, path: str) -> tuple[str, tuple[Mapping[str, Any], ...]]:
    """A manifest step's value: a file path, or one manifest, or a list of manifests."""
    if isinstance(value, str):
        text = c.string(value, path)
        return (text or "", ())
    items = value if isinstance(value, list) else [value]
    docs = []
    for i, item in enumerate(items):
        where = f"{path}[{i}]" if isinstance(value, list) else path
        doc = c.mapping(item, where)
        if doc is not None:
            docs.append(doc)
    if not docs and not c.errors:
        c.add(path, "Required value: a file path or at least one manifest")
    return ("", tuple(docs))


_STEP_EXTRA = ("note", "expect")


def _step(c: _Checker, value: Any, path: str) -> Step | None:
    doc = c.mapping(value, path)
    if doc is None:
        return None
    actions = [k for k in doc if k in ACTIONS and k != "expect"]
    if not actions and "expect" in doc:
        actions = ["expect"]
    if len(actions) != 1:
        supported = ", ".join(f'"{a}"' for a in ACTIONS)
        if actions:
            c.add(
                path,
                f"Invalid value: {{...}}: only one of {supported} may be set, "
                f"found {', '.join(actions)}",
            )
        else:
            c.add(path, f"Required value: one of {supported}")
        return None
    action = actions[0]
    extra: tuple[str, ...] = {
        "shell": ("commands", *_STEP_EXTRA),
        "exec": (*_STEP_EXTRA, "pod", "namespace", "background"),
        "send": (*_STEP_EXTRA, "pod", "namespace"),
        "expect": (),
    }.get(action, _STEP_EXTRA)
    c.known(doc, path, (action, *extra))
    note = ""
    if "note" in doc:
        note = c.string(doc["note"], f"{path}.note") or ""
    where = f"{path}.{action}"
    raw = doc[action]
    if action == "expect":
        found = _expect(c, raw, where)
        return Step(path, "expect", expect=(found,) if found else ())
    expects = _expects(c, doc, path)
    if action in ("kubectl", "shell"):
        text = c.string(raw, where)
        if text is None:
            return None
        text = text.strip()
        if action == "kubectl" and text.startswith("kubectl "):
            text = text[len("kubectl ") :].strip()
        commands = (
            _shell_commands(c, doc.get("commands"), f"{path}.commands")
            if (action == "shell")
            else ()
        )
        return Step(path, action, text, commands=commands, note=note, expect=expects)
    if action in MANIFEST_VERBS:
        file, documents = _documents(c, raw, where)
        return Step(path, action, file, documents=documents, note=note, expect=expects)
    if action == "exec":
        return _exec_step(c, doc, path, note, expects)
    if action == "send":
        return _send_step(c, doc, path, note, expects)
    if action == "wait":
        job = _job_id(c, raw, where)
        return Step(path, action, job or "", note=note, expect=expects) if job else None
    if action == "sleep":
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            c.add(where, f"Invalid value: {_show(raw)}: must be a number of seconds")
            return None
        if not 0 <= raw <= MAX_SLEEP_SECONDS:
            c.add(where, f"Invalid value: {raw}: must be between 0 and {MAX_SLEEP_SECONDS:g}")
            return None
        return Step(path, action, seconds=float(raw), note=note, expect=expects)
    text = c.string(raw, where)
    return Step(path, action, (text or "").rstrip("\n"), note=note, expect=expects)


def _exec_step(
    c: _Checker, doc: Mapping[str, Any], path: str, note: str, expects: tuple[Expect, ...]
) -> Step | None:
    """``exec: wget ...`` with ``pod:`` (and optional ``namespace:``) beside it."""
    command = c.string(doc["exec"], f"{path}.exec")
    pod = _sender(c, doc, path)
    job = _job_id(c, doc["background"], f"{path}.background") if "background" in doc else ""
    if command is None or pod is None or job is None:
        return None
    return Step(
        path, "exec", pod, command=command.strip(), note=note, expect=expects, background=job
    )


def _job_id(c: _Checker, value: Any, path: str) -> str | None:
    """The id of a background job (``background: ID``, ``wait: ID``): a DNS-1123 label."""
    text = c.string(value, path)
    if text is None:
        return None
    problems = is_dns1123_label(text)
    for problem in problems:
        c.add(path, f"Invalid value: {_show(text)}: {problem}")
    return None if problems else text


def _check_jobs(c: _Checker, steps: Sequence[Step]) -> None:
    """Every ``wait`` names a job running at that point; every job is waited for."""
    running: dict[str, str] = {}
    for step in steps:
        if step.background:
            if step.background in running:
                c.add(
                    f"{step.path}.background",
                    f"Duplicate value: {_show(step.background)}: the job started at "
                    f"{running[step.background]} is still running (wait for it first)",
                )
            running[step.background] = step.path
        elif step.action == "wait" and running.pop(step.argument, None) is None:
            c.add(
                f"{step.path}.wait",
                f"Not found: {_show(step.argument)}: no background step with this id is "
                "running here",
            )
    for job, path in running.items():
        c.add(
            f"{path}.background",
            f"Invalid value: {_show(job)}: never waited for (add a step `wait: {job}`)",
        )


def _sender(c: _Checker, doc: Mapping[str, Any], path: str) -> str | None:
    """The ``pod:`` (with ``namespace:``) of an exec or send step as ``ns/name``."""
    if "pod" not in doc:
        c.add(f"{path}.pod", "Required value: the pod to run the command in")
        return None
    pod = c.string(doc["pod"], f"{path}.pod")
    namespace = "default"
    if "namespace" in doc:
        namespace = c.string(doc["namespace"], f"{path}.namespace") or "default"
    if pod is None:
        return None
    if "/" not in pod or pod.split("/", 1)[0] in ("deployment", "deploy", "deployments", "pod"):
        pod = f"{namespace}/{pod}"
    return pod


_PACKET_FIELDS = ("to", "protocol", "port", "sport", "flags", "source", "ttl", "payload")
_TCP_FLAGS = frozenset("FSRPAUEC")


def _protocol_number(c: _Checker, value: Any, path: str) -> int | None:
    from netsim.sim.flow import OTHER_PROTOCOLS, PROTO_ICMP, PROTO_NUMBERS

    if isinstance(value, int) and not isinstance(value, bool):
        return c.integer(value, path, 0, 255)
    names = {**PROTO_NUMBERS, "ICMP": PROTO_ICMP, **{v: k for k, v in OTHER_PROTOCOLS.items()}}
    if isinstance(value, str) and value.upper() in names:
        return names[value.upper()]
    known = ", ".join(f'"{n}"' for n in names)
    c.add(path, f"Unsupported value: {_show(value)}: supported values: {known}, or 0-255")
    return None


def _send_step(
    c: _Checker, doc: Mapping[str, Any], path: str, note: str, expects: tuple[Expect, ...]
) -> Step | None:
    """``send: {to:, protocol:, port:, ...}`` with ``pod:`` (and ``namespace:``) beside it."""
    from netsim.sim.flow import L4_NUMBERS, PROTO_TCP

    where = f"{path}.send"
    spec = c.mapping(doc["send"], where)
    pod = _sender(c, doc, path)
    if spec is None:
        return None
    c.known(spec, where, _PACKET_FIELDS)
    if "to" not in spec:
        c.add(f"{where}.to", "Required value: the destination (pod, svc/NAME, node/NAME or IP)")
    to = c.string(spec.get("to", ""), f"{where}.to") if "to" in spec else None
    protocol = _protocol_number(c, spec.get("protocol", "TCP"), f"{where}.protocol")
    ports = {}
    for key in ("port", "sport"):
        if key in spec:
            ports[key] = c.integer(spec[key], f"{where}.{key}", key == "port", 65535)
    if protocol in L4_NUMBERS and "port" not in spec:
        c.add(f"{where}.port", "Required value: a destination port for TCP, UDP and SCTP")
    if protocol is not None and protocol not in L4_NUMBERS:
        for key in ports:
            c.add(f"{where}.{key}", f"Forbidden: protocol {spec.get('protocol')} has no ports")
    flags = "S"
    if "flags" in spec:
        flags = c.string(spec["flags"], f"{where}.flags") or "S"
        if protocol != PROTO_TCP:
            c.add(f"{where}.flags", "Forbidden: flags are TCP's")
        elif not set(flags) <= _TCP_FLAGS:
            c.add(f"{where}.flags", f"Invalid value: {_show(flags)}: TCP flags are F S R P A U E C")
    source = ""
    if "source" in spec:
        source = c.string(spec["source"], f"{where}.source") or ""
        if source and not is_ip(source):
            c.add(f"{where}.source", f"Invalid value: {_show(source)}: must be an IP address")
    ttl = c.integer(spec["ttl"], f"{where}.ttl", 1, 255) if "ttl" in spec else 64
    payload = c.string(spec["payload"], f"{where}.payload", empty=True) if "payload" in spec else ""
    if pod is None or to is None or protocol is None or ttl is None or payload is None:
        return None
    if any(v is None for v in ports.values()):
        return None
    packet = PacketSpec(
        to.strip(),
        protocol,
        ports.get("port") or 0,
        ports.get("sport") or 0,
        flags,
        source,
        ttl,
        payload,
    )
    return Step(path, "send", pod, note=note, expect=expects, packet=packet)


def _cluster(c: _Checker, value: Any) -> ClusterSpec:
    doc = c.mapping(value, "cluster")
    if doc is None:
        return ClusterSpec()
    c.known(
        doc,
        "cluster",
        ("nodes", "pod_cidr", "service_cidr", "cni", "switches", "cluster_ips", "external"),
    )
    spec = ClusterSpec()
    nodes = spec.nodes
    if "nodes" in doc:
        nodes = c.integer(doc["nodes"], "cluster.nodes", 1, MAX_NODES) or spec.nodes
    cidrs = {}
    for key in ("pod_cidr", "service_cidr"):
        text = getattr(spec, key)
        if key in doc:
            given = c.string(doc[key], f"cluster.{key}")
            if given is not None:
                try:
                    prefix = Prefix.parse(given)
                except ValueError:
                    c.add(f"cluster.{key}", f"Invalid value: {_show(given)}: must be a valid CIDR")
                else:
                    if prefix.version != 4 or prefix.length > 16 + (key == "service_cidr") * 8:
                        c.add(
                            f"cluster.{key}",
                            f"Invalid value: {_show(given)}: must be an IPv4 "
                            f"prefix of length /{16 if key == 'pod_cidr' else 24} or shorter",
                        )
                    text = str(prefix)
        cidrs[key] = text
    cni = spec.cni
    if "cni" in doc:
        given = c.string(doc["cni"], "cluster.cni")
        if given is not None and given not in PROFILES:
            supported = ", ".join(f'"{p}"' for p in sorted(PROFILES))
            c.add(
                "cluster.cni", f"Unsupported value: {_show(given)}: supported values: {supported}"
            )
        elif given is not None:
            cni = given
    switches = _switches(c, doc.get("switches"), "cluster.switches") if "switches" in doc else ()
    cluster_ips: list[tuple[str, str]] = []
    if "cluster_ips" in doc:
        pins = c.mapping(doc["cluster_ips"], "cluster.cluster_ips") or {}
        for key, ip in pins.items():
            where = f"cluster.cluster_ips.{_key(key)}"
            if not isinstance(key, str) or key.count("/") != 1:
                c.add(where, "Invalid value: must be keyed by namespace/name")
            elif not isinstance(ip, str) or not is_ip(ip):
                c.add(where, f"Invalid value: {_show(ip)}: must be a valid IP address")
            else:
                cluster_ips.append((key, ip))
    external, external_dns = _external(c, doc["external"]) if "external" in doc else ([], [])
    return ClusterSpec(
        nodes,
        cidrs["pod_cidr"],
        cidrs["service_cidr"],
        cni,
        switches,
        tuple(sorted(cluster_ips)),
        tuple(sorted(external)),
        tuple(sorted(external_dns)),
    )


def _external(c: _Checker, value: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``cluster.external``: host -> IP, or host -> ``{ip: IP, dns: NAME}``; the hosts and
    the DNS names (host -> name) the cluster DNS answers for them."""
    hosts = c.mapping(value, "cluster.external") or {}
    external: list[tuple[str, str]] = []
    names: dict[str, str] = {}
    for key, item in hosts.items():
        where = f"cluster.external.{_key(key)}"
        if not isinstance(key, str) or not key or "/" in key:
            c.add(where, "Invalid value: must be keyed by a host name without '/'")
            continue
        ip, dns = item, None
        if isinstance(item, Mapping):
            c.known(item, where, ("ip", "dns"))
            if "ip" not in item:
                c.add(f"{where}.ip", "Required value")
                continue
            ip, where = item["ip"], f"{where}.ip"
            if "dns" in item:
                dns = _external_name(c, item["dns"], where.removesuffix(".ip") + ".dns", names)
        if not isinstance(ip, str) or not is_ip(ip):
            c.add(where, f"Invalid value: {_show(ip)}: must be a valid IP address")
            continue
        external.append((key, ip))
        if dns:
            names[dns] = key
    return external, [(host, name) for name, host in names.items()]


def _external_name(c: _Checker, value: Any, path: str, taken: Mapping[str, str]) -> str | None:
    """A DNS name the cluster DNS forwards upstream: a lowercase RFC 1123 subdomain outside
    the cluster domain, given to one host only."""
    text = c.string(value, path)
    if text is None:
        return None
    name = text.rstrip(".")
    problems = is_dns1123_subdomain(name)
    for problem in problems:
        c.add(path, f"Invalid value: {_show(text)}: {problem}")
    if problems:
        return None
    if name == CLUSTER_DOMAIN or name.endswith(f".{CLUSTER_DOMAIN}"):
        c.add(
            path,
            f"Invalid value: {_show(text)}: the cluster DNS answers {CLUSTER_DOMAIN} itself; "
            "an external host needs a name outside it",
        )
        return None
    if name in taken:
        c.add(path, f"Duplicate value: {_show(text)}: also the name of {taken[name]}")
        return None
    return name


def _switches(c: _Checker, value: Any, path: str) -> tuple[tuple[str, bool | str], ...]:
    doc = c.mapping(value, path)
    if doc is None:
        return ()
    fields = {f.name: f for f in dataclasses.fields(Profile) if f.name != "name"}
    out: list[tuple[str, bool | str]] = []
    for key, item in doc.items():
        where = f"{path}.{_key(key)}"
        if key not in fields:
            supported = ", ".join(f'"{f}"' for f in sorted(fields))
            c.add(where, f"Unsupported field: supported fields: {supported}")
        elif key == "host_network":
            if item not in ("node", "pod"):
                c.add(where, f'Unsupported value: {_show(item)}: supported values: "node", "pod"')
            else:
                out.append((key, item))
        else:
            flag = c.boolean(item, where)
            if flag is not None:
                out.append((key, flag))
    return tuple(sorted(out))


def scenario_from_dict(doc: Any, source: str, base_dir: Path | None = None) -> Scenario:
    """Validate a parsed scenario document; raise ScenarioError listing every problem.

    ``source`` names the file in messages; ``base_dir`` is where relative manifest
    paths are resolved (default: the directory of ``source``).
    """
    c = _Checker()
    base = base_dir if base_dir is not None else Path(source).parent
    if not isinstance(doc, Mapping):
        raise ScenarioError(f"{source}: Invalid value: {_show(doc)}: a scenario must be a mapping")
    c.known(doc, "", ("title", "description", "seed", "cluster", "steps"))
    title = c.string(doc["title"], "title") if "title" in doc else None
    if "title" not in doc:
        c.add("title", "Required value")
    description = ""
    if "description" in doc:
        description = c.string(doc["description"], "description", empty=True) or ""
    seed = 0
    if "seed" in doc:
        seed = c.integer(doc["seed"], "seed", 0, 2**63 - 1) or 0
    cluster = _cluster(c, doc["cluster"]) if "cluster" in doc else ClusterSpec()
    steps: list[Step] = []
    raw_steps = doc.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        c.add("steps", "Required value: a non-empty list of steps")
        raw_steps = []
    for i, raw in enumerate(raw_steps):
        step = _step(c, raw, f"steps[{i}]")
        if step is None:
            continue
        if step.action == "expect":
            if not steps:
                c.add(
                    f"steps[{i}].expect", "Invalid value: {...}: there is no previous step to check"
                )
            elif steps[-1].action == "comment":
                c.add(
                    f"steps[{i}].expect", "Invalid value: {...}: a comment has no result to check"
                )
            else:
                prev = steps[-1]
                steps[-1] = dataclasses.replace(prev, expect=prev.expect + step.expect)
            continue
        if step.action == "comment" and step.expect:
            c.add(f"{step.path}.expect", "Invalid value: {...}: a comment has no result to check")
        steps.append(step)
    _check_jobs(c, steps)
    if c.errors:
        raise ScenarioFieldErrors(source, c.errors)
    assert title is not None
    return Scenario(source, base, title.strip(), description.strip(), seed, cluster, tuple(steps))
