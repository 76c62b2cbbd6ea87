"""A shell session as a scenario file that ``netsim run`` replays.

Every line that changed or showed the cluster (kubectl, a pod session and what was
typed in it, ``cat``, ``sleep``) becomes the scenario step it was run as, with an
``expect`` holding the output and exit code the session saw, so the replay checks
that it prints the same. Built-ins (``netsim reach``...), ``ls`` and ``history``
leave the cluster alone and are not exported. File paths are rewritten relative to
the exported file.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netsim.model.yamlsafe import dump_yaml_text
from netsim.scenario.schema import ClusterSpec, Step

if TYPE_CHECKING:
    from netsim.shell.session import ShellSession


def _relative(path: str, base_dir: Path, export_dir: Path) -> str:
    """``path`` (relative to ``base_dir``) as seen from ``export_dir``; URLs as they are."""
    if "://" in path or path == "-":
        return path
    absolute = (base_dir / path).resolve()
    return os.path.relpath(absolute, export_dir.resolve())


def _rebase_kubectl(argument: str, base_dir: Path, export_dir: Path) -> str:
    """A kubectl command line with its ``-f`` paths rewritten for ``export_dir``."""
    try:
        words = shlex.split(argument)
    except ValueError:
        return argument
    out: list[str] = []
    take = False
    for word in words:
        if take:
            out.append(_relative(word, base_dir, export_dir))
            take = False
        elif word in ("-f", "--filename"):
            out.append(word)
            take = True
        elif word.startswith(("-f=", "--filename=")):
            flag, _, value = word.partition("=")
            out.append(f"{flag}={_relative(value, base_dir, export_dir)}")
        else:
            out.append(word)
    return shlex.join(out) if out != words else argument


def cluster_dict(spec: ClusterSpec) -> dict[str, Any]:
    """A :class:`ClusterSpec` as the scenario file's ``cluster:`` mapping."""
    out: dict[str, Any] = {
        "nodes": spec.nodes,
        "pod_cidr": spec.pod_cidr,
        "service_cidr": spec.service_cidr,
        "cni": spec.cni,
    }
    if spec.switches:
        out["switches"] = dict(spec.switches)
    if spec.cluster_ips:
        out["cluster_ips"] = dict(spec.cluster_ips)
    if spec.external:
        dns = dict(spec.external_dns)
        out["external"] = {
            host: {"ip": ip, "dns": dns[host]} if host in dns else ip for host, ip in spec.external
        }
    return out


def step_dict(step: Step, base_dir: Path, export_dir: Path) -> dict[str, Any]:
    """One :class:`Step` as a scenario file writes it (paths rebased, expectations kept)."""
    out: dict[str, Any]
    if step.action == "kubectl":
        out = {"kubectl": _rebase_kubectl(step.argument, base_dir, export_dir)}
    elif step.action in ("create", "apply", "delete"):
        value: Any = (
            _relative(step.argument, base_dir, export_dir)
            if step.argument
            else [dict(d) for d in step.documents]
        )
        out = {step.action: value}
    elif step.action in ("cat",):
        out = {"cat": _relative(step.argument, base_dir, export_dir)}
    elif step.action == "exec":
        out = {"exec": step.command, "pod": step.argument}
    elif step.action == "sleep":
        out = {"sleep": step.seconds}
    elif step.action == "shell":
        out = {"shell": step.argument, "commands": [c.command for c in step.commands]}
    else:
        out = {"comment": step.argument}
    if step.note:
        out["note"] = step.note
    return out


def _expect(output: str, exit_code: int) -> dict[str, Any]:
    return {"output": output, "exit_code": exit_code}


def export_scenario(session: ShellSession, path: Path) -> str:
    """The session as scenario YAML for a file at ``path`` (not written here)."""
    export_dir = path.parent
    scenario = session.scenario
    steps = [step_dict(s, scenario.base_dir, export_dir) for s in scenario.steps]
    for typed in session.typed:
        step = step_dict(typed.step, session.workdir, export_dir)
        if typed.step.action == "shell":
            step["commands"] = [
                {"run": r.command, "expect": _expect(r.output.rstrip("\n"), r.exit_code)}
                for r in typed.records
            ]
        elif typed.step.action == "kubectl":
            step["expect"] = _expect(typed.output, typed.exit_code)
        steps.append(step)
    if not steps:
        steps.append({"comment": "an empty session"})
    document = {
        "title": f"netsim shell session ({scenario.title})",
        "seed": session.seed,
        "cluster": cluster_dict(scenario.cluster),
        "steps": steps,
    }
    return dump_yaml_text(document, allow_unicode=True, width=1000)
