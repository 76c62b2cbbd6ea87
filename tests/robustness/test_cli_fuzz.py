"""Fuzzing every CLI option (issue 13): any option value ends in an exit code, never a crash.

Each subcommand gets command lines built from its own options, each value either a
good one or a hostile one (ports and seeds out of range, NaN, huge numbers, empty
strings, paths that do not exist, NUL bytes, 300-byte names, unknown profiles and
switches). ``netsim.cli.main`` must return 0, 1 or 2, or argparse must exit 0 (help)
or 2; any other exception fails, and so does any difference between two identical
runs (exit code, stdout, stderr, the files written). Each run starts in an empty
working folder, with empty stdin. Fixed seed; ``NETSIM_HYPOTHESIS_EXAMPLES=N`` runs
N examples per subcommand instead of the few of the default (about 20 s in all).

Left out: ``bench`` (a timed sweep, output not deterministic), ``dataplane verify``
(builds network namespaces as root; its option refusals are tested in
tests/dataplane/test_cli.py), ``lab start`` and ``shell`` without ``-c`` (interactive),
``lab test`` (minutes per lab).
"""

from __future__ import annotations

import contextlib
import io
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netsim.cli import main

from .test_fuzz import TIME_BOUND, campaign

REPO = Path(__file__).resolve().parents[2]
MANIFESTS = """\
apiVersion: v1
kind: Namespace
metadata: {name: x}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec:
  containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {app: b}}
spec:
  containers: [{name: c, image: busybox}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: x}
spec:
  selector: {app: a}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-b, namespace: x}
spec:
  podSelector: {matchLabels: {app: a}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: b}}}]
    ports: [{port: http}]
"""
SCENARIO = """\
title: fuzz
steps:
  - kubectl: run web --image=nginx --port=80 --expose
  - shell: kubectl run client --rm -ti --image=busybox /bin/sh
    commands:
      - run: wget --spider --timeout=1 web
        expect: {allowed: true}
"""

HOSTILE = [
    "", " ", "0", "-1", "1", "65535", "65536", "99999999999999999999999", "nan", "inf",
    "-inf", "1e400", "0x50", "80/tcp", "80/XYZ", "x=y", "=", "a=b=c", "bogus", ",",
    "/nonexistent/file.yaml", "no/such", "x\x00y", "a" * 300, "é", "-", "--", "default/",
    "svc:", "node:", "x/", "::1", "10.0.0.0/8",
]  # fmt: skip
"""Values for any option or path: out of range, non-finite, empty, missing, malformed.

No path that would reach outside the test's folders (``/``, ``..``): ``-R`` would walk them."""


@dataclass(frozen=True)
class Command:
    """One subcommand: fixed words, positional slots (each with its good values), options."""

    words: tuple[str, ...]
    positional: tuple[tuple[str, ...], ...] = ()
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    examples: int = 12
    exit_codes: tuple[int, ...] = (0, 1, 2)

    @property
    def name(self) -> str:
        return " ".join(self.words)


INPUTS = {"-n": ("x", "default"), "-k": ("kust",)}
PROFILE = {
    "--profile": ("calico", "upstream", "cilium", "flannel"),
    "--switch": ("filter_icmp=true", "ipblock_matches_pod_ips=false", "enforce=false"),
}
COMMANDS = (
    Command(
        ("validate",),
        (("M",),),
        {**INPUTS},
        ("-R", "--strict", "-q", "--json", "--apply"),
        examples=16,
    ),
    Command(
        ("matrix",),
        (("M",),),
        {
            **INPUTS,
            **PROFILE,
            "--nodes": ("1", "2", "3"),
            "--port": ("80", "53/UDP", "http", "81/SCTP"),
            "--group-by": ("pod", "workload", "namespace"),
        },
        ("--json", "--summary", "--strict", "-R"),
    ),
    Command(
        ("explain",),
        (("M",),),
        {
            **INPUTS,
            **PROFILE,
            "--from": ("x/a", "x/b", "10.0.0.1", "node:node-1", "pod/b"),
            "--to": ("x/a", "x/b", "svc:x/web", "10.0.0.1"),
            "--port": ("80", "http", "53"),
            "--protocol": ("TCP", "UDP", "SCTP"),
            "--nodes": ("1", "2"),
        },
        ("--json", "--exit-status"),
        required=("--from", "--to", "--port"),
    ),
    Command(
        ("diff",),
        (("M",), ("E",)),
        {
            **PROFILE,
            "--topology": ("M",),
            "--group-by": ("pod", "workload", "namespace"),
            "-o": ("text", "json", "md", "csv"),
            "--fail-on": ("removed", "added,removed", "new-peer,lost-peer"),
        },
    ),
    Command(
        ("lint",),
        (("M",),),
        {
            "-o": ("text", "json", "sarif"),
            "--fail-on": ("error", "warning", "info"),
            "--disable": ("NP001", "NP007"),
            "--enable": ("NP001", "NP019"),
        },
    ),
    Command(
        ("graph",),
        (("M",),),
        {
            **INPUTS,
            **PROFILE,
            "-o": ("dot", "svg", "html", "mermaid", "png"),
            "--out": ("g.out",),
            "--group-by": ("auto", "namespace", "workload", "pod"),
            "--focus": ("x/a", "x"),
            "--direction": ("both", "in", "out"),
            "--port": ("80", "53/UDP"),
            "--heatmap": ("h.png",),
            "--renderer": ("builtin",),
            "--nodes": ("1", "2"),
        },
        examples=8,
    ),
    Command(
        ("run",),
        (("S",),),
        {"--seed": ("0", "7"), "--pcap": ("caps",), "--capture": ("node-1 eth0",)},
        ("--json", "--quiet"),
        examples=6,
    ),
    Command(
        ("replay",),
        (("C",), ("M",)),
        {**INPUTS, **PROFILE, "--at": ("x/a", "x/b", "node/node-1"), "--seed": ("0", "4")},
        ("--json",),
        required=("--at",),
        examples=8,
    ),
    Command(
        ("demo",),
        (),
        {"--seed": ("0", "3"), "--pcap": ("caps",)},
        ("--json", "--quiet"),
        examples=3,
    ),
    Command(
        ("shell",),
        (),
        {
            "-c": ("kubectl get pods -A", "netsim reach", "kubectl run q --image=nginx"),
            "--cluster": ("M",),
            "--scenario": ("S",),
            "--lab": ("and-vs-or",),
            "--profile": PROFILE["--profile"],
            "--seed": ("0", "5"),
            "--record": ("rec.txt",),
            "--export": ("exp.yaml",),
            "--workdir": (".",),
        },
        required=("-c",),
        examples=8,
        exit_codes=tuple(range(256)),  # `shell -c` exits with the command's status, as sh -c
    ),
    Command(("lab", "list"), examples=2),
    Command(
        ("lab", "grade"),
        (("and-vs-or", "open-by-default"),),
        {"--answer": ("A",), "--format": ("text", "json", "junit"), "--seed": ("0", "2")},
        required=("--answer",),
        examples=5,
    ),
    Command(
        ("dataplane", "render"),
        (("M",),),
        {**INPUTS, **PROFILE, "--node": ("node-1",), "--render": ("simple", "compiled")},
    ),
)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(inputs, work): the input files, and the empty folder each run starts in."""
    inputs = tmp_path_factory.mktemp("inputs")
    (inputs / "m.yaml").write_text(MANIFESTS, encoding="utf-8")
    (inputs / "e.yaml").write_text(MANIFESTS.replace("{app: b}}}]", "{}}]"), encoding="utf-8")
    (inputs / "s.yaml").write_text(SCENARIO, encoding="utf-8")
    (inputs / "kust").mkdir()
    (inputs / "kust" / "kustomization.yaml").write_text("resources: [../m.yaml]\n")
    answer = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\n"
    (inputs / "a.yaml").write_text(answer + "spec: {podSelector: {}}\n", encoding="utf-8")
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.l2 import ARP, Ether
    from scapy.utils import wrpcap

    frames = [
        Ether() / IP(dst="10.244.1.2") / TCP(dport=80, flags="S"),
        Ether() / IP(dst="10.244.2.2") / UDP(dport=53),
        Ether() / ARP(),
    ]
    wrpcap(str(inputs / "c.pcap"), frames)
    return inputs, tmp_path_factory.mktemp("work")


def resolve(value: str, inputs: Path) -> str:
    """A placeholder (M manifests, E edited manifests, S scenario, A answer, C capture)
    as a path."""
    names = {"M": "m.yaml", "E": "e.yaml", "S": "s.yaml", "A": "a.yaml", "C": "c.pcap"}
    names["kust"] = "kust"
    return str(inputs / names[value]) if value in names else value


@st.composite
def command_lines(draw: st.DrawFn, command: Command, inputs: Path) -> list[str]:
    """A command line of ``command``: positionals and options, good or hostile values."""

    def value(good: tuple[str, ...]) -> str:
        chosen = draw(st.sampled_from(good) if draw(st.booleans()) else st.sampled_from(HOSTILE))
        return resolve(chosen, inputs)

    argv = list(command.words) + [value(slot) for slot in command.positional]
    names = sorted(command.options)
    chosen = draw(st.lists(st.sampled_from(names), max_size=4)) if names else []
    for name in [*command.required, *chosen]:
        argv.append(f"{name}={value(command.options[name])}" if draw(st.booleans()) else name)
        if "=" not in argv[-1]:
            argv.append(value(command.options[name]))
    if command.flags:
        argv += draw(st.lists(st.sampled_from(command.flags), max_size=2))
    return argv


@contextlib.contextmanager
def isolated(work: Path) -> Iterator[tuple[io.BytesIO, io.BytesIO]]:
    """Run in an emptied ``work`` folder with empty stdin; yield (stdout, stderr) bytes."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    out, err = io.BytesIO(), io.BytesIO()
    streams = (
        io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8"),
        io.TextIOWrapper(out, encoding="utf-8", write_through=True),
        io.TextIOWrapper(err, encoding="utf-8", write_through=True),
    )
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = streams
    try:
        with contextlib.chdir(work):
            yield out, err
    finally:
        for stream in streams:
            stream.flush()
            stream.detach()  # keep the BytesIO open when the wrapper is collected
        sys.stdin, sys.stdout, sys.stderr = saved


def outcome(
    argv: list[str], work: Path, exit_codes: tuple[int, ...]
) -> tuple[object, bytes, bytes, dict[str, bytes]]:
    """Exit code, stdout, stderr and the files written, of one run within the time bound."""
    started = time.monotonic()
    with isolated(work) as (out, err):
        try:
            code: object = main(argv)
        except SystemExit as exc:  # argparse: 2 for a bad command line, 0 for --help
            assert exc.code in (0, 2), f"argparse exit {exc.code!r}"
            code = f"argparse {exc.code}"
        else:
            assert code in exit_codes, f"exit code {code!r}"
    elapsed = time.monotonic() - started
    assert elapsed < TIME_BOUND, f"took {elapsed:.1f} s"
    files = {
        str(p.relative_to(work)): p.read_bytes() for p in sorted(work.rglob("*")) if p.is_file()
    }
    return code, out.getvalue(), err.getvalue(), files


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_every_option_value_ends_in_an_exit_code_and_replays_identically(
    command: Command, folders: tuple[Path, Path]
) -> None:
    inputs, work = folders

    @campaign(command.examples)
    @given(command_lines(command, inputs))
    def check(argv: list[str]) -> None:
        first = outcome(argv, work, command.exit_codes)
        assert b"Traceback" not in first[2]
        assert outcome(argv, work, command.exit_codes) == first, "two identical runs differ"

    check()


def test_the_default_campaign_covers_every_subcommand_but_the_left_out_ones() -> None:
    from netsim.cli import COMMANDS as SUBCOMMANDS

    fuzzed = {c.words[0] for c in COMMANDS}
    assert set(SUBCOMMANDS) - fuzzed == {"bench"}


LONG = "a" * 300
TOO_LONG = f"error: {LONG}: cannot read: File name too long"
NUL = "netsim: error: an argument holds a NUL byte"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "S", "--pcap", "x\x00y"], NUL),
        (["shell", "-c", "", "--cluster", "x\x00y"], NUL),
        (["shell", "-c", "", "--cluster", LONG], TOO_LONG),
        (
            ["lab", "grade", LONG, "--answer", "A"],
            f"error: {LONG}: cannot read: File name too long",
        ),
        (["diff", "M", LONG], TOO_LONG),
    ],
)
def test_what_the_campaign_found_ends_in_exit_2(
    folders: tuple[Path, Path], argv: list[str], message: str
) -> None:
    inputs, work = folders
    code, _, err, files = outcome([resolve(a, inputs) for a in argv], work, (2,))
    assert code in (2, "argparse 2") and files == {}
    assert message in err.decode()
