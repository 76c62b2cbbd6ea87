"""kubectl, emulated on a :class:`~netsim.model.Cluster`, printing what kubectl prints.

The subset the walkthroughs and the teaching shell use, one module a verb (each a
function of :class:`~netsim.scenario.kubectl_state.KubectlState`, the cluster and
what kubectl keeps beside it): ``run`` (:mod:`~netsim.scenario.kubectl_run`:
``--image --replicas --labels --expose --port --namespace --restart --rm -ti``),
``expose deployment|pod|service`` and ``create service
clusterip|nodeport|loadbalancer`` (:mod:`~netsim.scenario.kubectl_services`:
``--port --target-port --type --name --protocol --cluster-ip``), ``create|apply|delete
-f`` and ``create namespace`` (:mod:`~netsim.scenario.kubectl_manifests`), ``delete
TYPE[,TYPE] NAME`` (:mod:`~netsim.scenario.kubectl_delete`), ``label``
(:mod:`~netsim.scenario.kubectl_label`), ``get`` (:mod:`~netsim.scenario.kubectl_get`:
pods, svc, netpol, ns, deploy, ep, anp, banp, cnp; ``-l``, ``-A``, ``-o
wide|yaml|json|name``, ``--show-labels``), ``describe pod|svc|netpol|anp|banp|cnp``
(:mod:`~netsim.scenario.kubectl_describe`) and ``exec``
(:mod:`~netsim.scenario.kubectl_exec`). :class:`Kubectl` splits a command line and
calls the verb's function. Names and labels typed on the command line are validated as
a manifest's (:func:`netsim.scenario.kubectl_objects.admit`). Output follows the
kubectl (1.7) of the source chapter's walkthrough: ``deployment "nginx" created``,
tables aligned as Go's tabwriter aligns them, ``svc/``/``po/`` prefixes when several
types are listed.

What kubectl itself would refuse (an unknown pod, an invalid manifest, a missing
namespace, a bad selector) is printed as kubectl prints it with exit code 1: that is
a result a scenario can expect. What netsim does not emulate raises a
:class:`~netsim.errors.ScenarioError`; an unknown or unemulated verb or flag raises
its subclass :class:`~netsim.scenario.kubectl_cli.UnsupportedCommand`, whose
``kubectl_output`` is what an interactive shell shows (kubectl's own error for what
kubectl does not know either).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar

from netsim.errors import LookupFailed, ScenarioError
from netsim.model.cluster import AddressesExhausted
from netsim.scenario import kubectl_get
from netsim.scenario.kubectl_cli import (
    KubectlError,
    UnsupportedCommand,
    help_requested,
    hoist_namespace,
    unsupported_flag,
    unsupported_verb,
)
from netsim.scenario.kubectl_delete import delete
from netsim.scenario.kubectl_describe import describe
from netsim.scenario.kubectl_exec import exec_command, exec_pod, exec_result, exec_session
from netsim.scenario.kubectl_format import short_duration, tabulate
from netsim.scenario.kubectl_label import label
from netsim.scenario.kubectl_manifests import apply, create, manifest_files, manifests
from netsim.scenario.kubectl_run import fnv32a, run, run_session
from netsim.scenario.kubectl_services import expose
from netsim.scenario.kubectl_state import (
    Deployment,
    KubectlResult,
    KubectlState,
    Session,
)

__all__ = [
    "Deployment",
    "Kubectl",
    "KubectlError",
    "KubectlResult",
    "Session",
    "UnsupportedCommand",
    "exec_result",
    "fnv32a",
    "short_duration",
    "tabulate",
]

T = TypeVar("T")

Verb = Callable[[KubectlState, Sequence[str], str], list[str]]
"""A verb: the state, the words after the verb and where the command is; kubectl's lines."""


def _get(state: KubectlState, words: Sequence[str], where: str) -> list[str]:
    """``kubectl get`` (:func:`netsim.scenario.kubectl_get.get`) on the state."""
    source = kubectl_get.GetSource(
        state.cluster,
        state.clock(),
        state.created_at,
        state.deployment_views,
        state.external_ip,
        state.load_balancer_ip,
    )
    return kubectl_get.get(source, words, where)


VERBS: Mapping[str, Verb] = {
    "run": run,
    "expose": expose,
    "create": create,
    "apply": apply,
    "delete": delete,
    "label": label,
    "get": _get,
    "describe": describe,
    "exec": exec_command,
}
"""Each emulated verb's function."""


def _no_room(exc: AddressesExhausted, where: str) -> ScenarioError:
    """The step that ran a node out of pod addresses, and what to change in the scenario.

    A real cluster would leave the pod Pending; netsim has no Pending pods, so the
    scenario has to give its pods room.
    """
    return ScenarioError(
        f'{where}: pod "{exc.pod}" does not fit: node "{exc.node}" has no free address '
        f"left in its pod CIDR {exc.cidr} (netsim keeps no pod Pending); give the "
        "scenario more nodes (cluster.nodes) or fewer pods"
    )


def _words(command_line: str, where: str) -> list[str]:
    """The command line's words (without a leading ``kubectl``)."""
    try:
        words = shlex.split(command_line)
    except ValueError as exc:
        raise ScenarioError(f"{where}: cannot split the command line: {exc}") from None
    return words[1:] if words[:1] == ["kubectl"] else words


def _guarded(command: Callable[[], T], where: str) -> T | KubectlResult:
    """Run ``command``; what kubectl reports itself comes back as its output, exit code 1."""
    try:
        return command()
    except KubectlError as exc:
        return KubectlResult(str(exc), 1)
    except LookupFailed as exc:
        return KubectlResult(f"Error from server (NotFound): {exc}", 1)
    except AddressesExhausted as exc:
        raise _no_room(exc, where) from None


class Kubectl(KubectlState):
    """kubectl on a cluster: :meth:`run` a command line, get what kubectl prints.

    It is a :class:`~netsim.scenario.kubectl_state.KubectlState` (the cluster and what
    kubectl keeps beside it; the arguments are its), which each verb's function takes.
    """

    def run(self, command_line: str, where: str = "kubectl") -> KubectlResult:
        """Run one kubectl command line (without the word ``kubectl``).

        Raises ScenarioError for what netsim does not emulate; whatever kubectl
        would itself report comes back as output with exit code 1.
        """
        words = hoist_namespace(_words(command_line, where))
        if not words or words[0] in ("help", "--help", "-h"):
            raise help_requested(where)
        verb, rest = words[0], words[1:]
        if verb.startswith("-"):
            name = verb.lstrip("-").split("=", 1)[0]
            raise unsupported_flag("", verb, name, where, "" if verb.startswith("--") else name)
        if verb not in VERBS:
            raise unsupported_verb(verb, where)
        handler = partial(VERBS[verb], self, rest, where)
        lines = _guarded(handler, where)
        return lines if isinstance(lines, KubectlResult) else KubectlResult("\n".join(lines))

    def open_session(self, command_line: str, where: str) -> Session | KubectlResult:
        """Start ``kubectl run NAME --rm -ti --image=... /bin/sh`` or ``kubectl exec -ti POD sh``.

        Returns the session, or kubectl's error output when kubectl refuses.
        """
        words = _words(command_line, where)
        if words[:1] == ["run"]:
            return _guarded(partial(run_session, self, words[1:], where), where)
        if words[:1] == ["exec"]:
            return _guarded(partial(exec_session, self, words[1:], where), where)
        raise ScenarioError(
            f"{where}: a shell session is `kubectl run NAME --rm -ti "
            "--image=busybox /bin/sh` or `kubectl exec -ti POD -- /bin/sh`"
        )

    def close_session(self, session: Session) -> list[str]:
        """End a session: kubectl's closing lines, and the deletion ``--rm`` asked for."""
        lines = []
        if session.attach_hint:
            lines.append(
                f"Session ended, resume using '{session.attach_hint}' command when the "
                "pod is running"
            )
        if session.remove:
            kind, _, key = session.remove.partition(":")
            lines += self.remove(kind, key)
        return lines

    def manifest_files(self, verb: str, filename: str, namespace: str, where: str) -> list[str]:
        """``kubectl create|apply|delete -f filename``: a file, a directory or the Calico URL."""
        return manifest_files(self, verb, filename, namespace, where)

    def manifests(
        self, verb: str, docs: Sequence[Any], source: str, namespace: str = ""
    ) -> list[str]:
        """Create, apply or delete parsed manifest documents; return kubectl's lines.

        Stops at the first document kubectl would refuse, as kubectl reports it.
        """
        return manifests(self, verb, docs, source, namespace)

    def exec_pod(self, target: str, namespace: str) -> str | KubectlResult:
        """The pod ``kubectl exec TARGET -n NAMESPACE`` runs in (``ns/name``), or kubectl's
        refusal (a background step starts its command there)."""
        return exec_pod(self, target, namespace)
