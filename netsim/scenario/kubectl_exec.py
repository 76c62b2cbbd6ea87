"""``kubectl exec POD -- COMMAND``: a command in a pod, through the runner's ``exec_fn``.

The pod is a name, ``ns/name`` or ``deployment/NAME`` (its first pod, as kubectl
picks). A failed command prints ``command terminated with exit code N`` after its
output and kubectl exits 1 (:func:`exec_result`). ``exec -ti POD -- sh`` is an
interactive session (:func:`exec_session`), a shell step.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from netsim.errors import LookupFailed, ScenarioError
from netsim.scenario.kubectl_cli import KubectlError, parse_flags
from netsim.scenario.kubectl_state import KubectlResult, KubectlState, Session

EXEC_USAGE = (
    "error: expected 'exec POD_NAME COMMAND [ARG1] [ARG2] ... [ARGN]'.\n"
    "POD_NAME and COMMAND are required arguments for the exec command"
)
"""What kubectl exec prints without a pod."""
EXEC_NO_COMMAND = "error: you must specify at least one command for the container"
"""What kubectl exec prints without a command."""
EXEC_FLAGS = frozenset({"namespace", "container", "tty", "stdin"})
"""The ``exec`` flags netsim emulates."""


def exec_result(output: str, exit_code: int) -> KubectlResult:
    """What ``kubectl exec`` prints for a command's output and exit code: the output,
    then ``command terminated with exit code N`` when it failed (kubectl exits 1)."""
    lines = [output] if output else []
    if exit_code:
        lines.append(f"command terminated with exit code {exit_code}")
    return KubectlResult("\n".join(lines), 1 if exit_code else 0)


def _command(positional: Sequence[str], command: Sequence[str]) -> list[str]:
    """The command after the pod (``POD -- CMD`` or ``POD CMD``); kubectl's usage errors."""
    if not positional:
        raise KubectlError(EXEC_USAGE)
    found = list(command or positional[1:])
    if not found:
        raise KubectlError(EXEC_NO_COMMAND)
    return found


def exec_command(state: KubectlState, words: Sequence[str], where: str) -> list[str]:
    """``kubectl exec POD -- COMMAND`` (the words after the verb); the command's output."""
    args = parse_flags(words, EXEC_FLAGS, where, "exec")
    if args.has("tty") or args.has("stdin"):
        raise ScenarioError(f"{where}: an interactive `kubectl exec -ti` is a shell: step")
    command = _command(args.positional, args.command)
    pod = state.pod_for(args.positional[0], args.get("namespace", "default"))
    result = exec_result(*state.exec_fn(pod.key, shlex.join(command)))
    if result.exit_code:
        raise KubectlError(result.output)
    return [result.output] if result.output else []


def exec_session(state: KubectlState, words: Sequence[str], where: str) -> Session:
    """``kubectl exec -ti POD -- /bin/sh`` (the words after ``exec``): a session in the pod."""
    args = parse_flags(words, EXEC_FLAGS, where, "exec")
    if not (args.has("tty") and args.has("stdin")):
        raise ScenarioError(f"{where}: a shell session needs `kubectl exec -ti POD -- /bin/sh`")
    _command(args.positional, args.command)
    pod = state.pod_for(args.positional[0], args.get("namespace", "default"))
    return Session(pod.key, ())


def exec_pod(state: KubectlState, target: str, namespace: str) -> str | KubectlResult:
    """The pod ``kubectl exec TARGET -n NAMESPACE`` runs in (``ns/name``), or kubectl's
    refusal (a background step starts its command there)."""
    try:
        return state.pod_for(target, namespace).key
    except LookupFailed as exc:
        return KubectlResult(f"Error from server (NotFound): {exc}", 1)
