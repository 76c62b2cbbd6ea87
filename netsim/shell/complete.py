"""Tab completion from the live cluster: what may come next at the cursor.

:func:`completions` is a pure function of the session and the text before the
cursor, so it is tested without a terminal; :mod:`netsim.shell.terminal` adapts it
to prompt_toolkit. At the host prompt it offers commands, kubectl verbs, kinds,
the names of the objects that exist now, label keys, flags, namespaces and files;
at a pod's ``/ # `` prompt, the busybox applets, Service names (short, with the
namespace, and fully qualified), pod IPs and the files a pod has.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from netsim.shell.builtins import BUILTINS
from netsim.shell.files import EDITORS

if TYPE_CHECKING:
    from netsim.shell.session import ShellSession

HOST_COMMANDS = ("kubectl", "ls", "cat", "vi", "nano", "history", "clear", "sleep", "exit")
HOST_COMMANDS_MORE = ("netsim", "help", "pwd", "echo")
VERBS = ("run", "expose", "create", "apply", "delete", "label", "get", "describe", "exec")
KINDS = {
    "pods": "Pod",
    "pod": "Pod",
    "po": "Pod",
    "svc": "Service",
    "service": "Service",
    "services": "Service",
    "netpol": "NetworkPolicy",
    "networkpolicy": "NetworkPolicy",
    "networkpolicies": "NetworkPolicy",
    "ns": "Namespace",
    "namespace": "Namespace",
    "namespaces": "Namespace",
    "deployments": "Deployment",
    "deployment": "Deployment",
    **dict.fromkeys(("anp", "adminnetworkpolicy", "adminnetworkpolicies"), "AdminNetworkPolicy"),
    **dict.fromkeys(
        ("banp", "baselineadminnetworkpolicy", "baselineadminnetworkpolicies"),
        "BaselineAdminNetworkPolicy",
    ),
    **dict.fromkeys(
        ("cnp", "clusternetworkpolicy", "clusternetworkpolicies"), "ClusterNetworkPolicy"
    ),
}
KIND_WORDS = (
    "pods",
    "svc",
    "netpol",
    "namespaces",
    "deployments",
    "endpoints",
    "anp",
    "banp",
    "cnp",
)
FLAGS = {
    "run": ("--image=", "--labels=", "--replicas=", "--port=", "--expose", "--rm", "-ti",
            "--restart=Never", "--namespace=", "--"),
    "expose": ("--port=", "--target-port=", "--type=", "--name=", "--protocol=", "--namespace="),
    "create": ("-f", "--namespace="),
    "apply": ("-f", "--namespace="),
    "delete": ("-f", "--namespace="),
    "label": ("--overwrite", "--namespace="),
    "get": ("-n", "-A", "-l", "-o", "--show-labels", "--all-namespaces", "-o=wide", "-o=yaml"),
    "describe": ("-n", "--namespace="),
    "exec": ("-ti", "-n", "--"),
}  # fmt: skip
APPLETS = ("wget", "nc", "ping", "nslookup", "cat", "hostname", "ip", "echo", "exit")
APPLET_FLAGS = {
    "wget": ("--spider", "--timeout=", "-T", "-q", "-O-", "-O", "-S"),
    "nc": ("-z", "-v", "-zv", "-w", "-u"),
    "ping": ("-c", "-W", "-w"),
}
POD_FILES = ("/etc/resolv.conf", "/etc/hosts", "/etc/hostname")


def _split(text: str) -> tuple[list[str], str]:
    """The finished words before the cursor and the word being typed."""
    words = text.split()
    if text and not text[-1].isspace() and words:
        return words[:-1], words[-1]
    return words, ""


def _flag_value(words: list[str], *names: str) -> str:
    """The value of the last ``-n NS`` / ``--namespace=NS`` style flag among ``words``."""
    value = ""
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                value = words[i + 1]
            elif word.startswith(f"{name}="):
                value = word.split("=", 1)[1]
    return value


def _files(workdir: Path, current: str) -> list[str]:
    """Paths under the working folder that start with ``current`` (folders end in ``/``)."""
    folder, _, _ = current.rpartition("/")
    base = workdir / folder if folder else workdir
    try:
        entries = sorted(base.iterdir())
    except OSError:
        return []
    prefix = f"{folder}/" if folder else ""
    return [
        prefix + p.name + ("/" if p.is_dir() else "") for p in entries if not p.name.startswith(".")
    ]


def _names(session: ShellSession, kind: str, namespace: str) -> list[str]:
    """Names of the objects of ``kind`` in ``namespace`` (all namespaces' for Namespace,
    every one of a cluster-wide policy kind)."""
    cluster = session.runner.cluster
    if kind == "Namespace":
        return sorted(cluster.namespaces)
    if kind in ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"):
        return sorted(p.name for p in cluster.cluster_policies.values() if p.kind == kind)
    keys: list[str]
    if kind == "Deployment":
        keys = list(session.runner.kubectl.deployments)
    elif kind == "Pod":
        keys = list(cluster.pods)
    elif kind == "Service":
        keys = list(cluster.services)
    else:
        keys = list(cluster.policies)
    return sorted(k.split("/", 1)[1] for k in keys if k.startswith(f"{namespace}/"))


def _label_keys(session: ShellSession) -> list[str]:
    cluster = session.runner.cluster
    keys: set[str] = set()
    for pod in cluster.pods.values():
        keys.update(k for k, _ in pod.labels)
    for ns in cluster.namespaces.values():
        keys.update(k for k, _ in ns.labels)
    return sorted(keys)


def _kubectl(session: ShellSession, words: list[str], current: str) -> list[str]:
    """Candidates after ``kubectl``: verbs, flags, kinds, names, label keys, files."""
    if len(words) == 1:
        return list(VERBS)
    verb = words[1]
    previous = words[-1]
    namespace = _flag_value(words, "-n", "--namespace") or "default"
    if previous in ("-f", "--filename"):
        return _files(session.workdir, current)
    if previous in ("-n", "--namespace"):
        return _names(session, "Namespace", "")
    if previous in ("-l", "--selector"):
        return [f"{k}=" for k in _label_keys(session)]
    if previous == "-o":
        return ["wide", "yaml", "name"]
    if current.startswith("-"):
        return list(FLAGS.get(verb, ()))
    args = [w for w in words[2:] if not w.startswith("-")]
    if verb == "exec":
        return _names(session, "Pod", namespace) if not args else []
    if verb in ("get", "describe", "delete", "label", "expose"):
        if not args:
            return list(KIND_WORDS) if verb != "expose" else ["deployment", "pod", "service"]
        kind = KINDS.get(args[0].lower().split(",")[0], "")
        if len(args) == 1 or verb in ("get", "describe", "delete"):
            return _names(session, kind, namespace) if kind else []
        if verb == "label":
            return [f"{k}=" for k in _label_keys(session)]
    return []


def _host(session: ShellSession, words: list[str], current: str) -> list[str]:
    if not words:
        return [*HOST_COMMANDS, *HOST_COMMANDS_MORE]
    command = words[0]
    if command == "kubectl":
        return _kubectl(session, words, current)
    if command in ("cat", "ls", *EDITORS):
        return _files(session.workdir, current)
    if command == "netsim":
        if len(words) == 1:
            return sorted({*BUILTINS, *session.extra_builtins, "help"})
        if words[1] == "explain":
            cluster = session.runner.cluster
            return sorted(cluster.pods) + sorted(cluster.services)
        if words[1] == "reach":
            return ["--port"]
    return []


def _pod(session: ShellSession, words: list[str], current: str) -> list[str]:
    if not words:
        return list(APPLETS)
    applet = words[0]
    if applet == "cat":
        return list(POD_FILES)
    if applet == "ip":
        return ["addr"] if len(words) == 1 else []
    if current.startswith("-"):
        return list(APPLET_FLAGS.get(applet, ()))
    if applet not in ("wget", "nc", "ping", "nslookup"):
        return []
    cluster = session.runner.cluster
    here = session.pod.session.pod.split("/", 1)[0] if session.pod else "default"
    hosts: list[str] = []
    for key in sorted(cluster.services):
        namespace, name = key.split("/", 1)
        if namespace == here:
            hosts.append(name)
        hosts += [f"{name}.{namespace}", f"{name}.{namespace}.svc.cluster.local"]
    hosts += sorted({p.ip for p in cluster.pods.values() if p.ip})
    if applet == "wget":
        hosts += [f"http://{h}" for h in hosts]
    return hosts


def completions(session: ShellSession, text: str) -> list[str]:
    """Every word that can complete the one being typed at the end of ``text``."""
    words, current = _split(text)
    candidates = _pod(session, words, current) if session.in_pod else _host(session, words, current)
    return [c for c in dict.fromkeys(candidates) if c.startswith(current) and c != current]
