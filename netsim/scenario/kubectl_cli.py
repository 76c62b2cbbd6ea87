"""kubectl's command line: the verbs and flags it knows, pflag's parsing and cobra's errors.

kubectl runs on cobra and pflag. An unknown verb makes cobra print
``error: unknown command "foo" for "kubectl"`` (with ``Did you mean this?`` when a
verb is close), as current kubectl prints it; an unknown flag makes kubectl's
flag-error hook print ``Error: unknown flag: --foo`` and ``See 'kubectl get --help' for
usage.``. Both exit 1. netsim raises :class:`UnsupportedCommand` for them, and also for
real verbs and flags it does not emulate, with the text an interactive shell prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from netsim.errors import ScenarioError
from netsim.model.cluster import ObjectKind

EMULATED_VERBS: tuple[str, ...] = (
    "run",
    "expose",
    "create",
    "apply",
    "delete",
    "label",
    "get",
    "describe",
    "exec",
)
"""The verbs :class:`~netsim.scenario.kubectl.Kubectl` emulates."""

KUBECTL_VERBS: tuple[str, ...] = (
    "annotate",
    "api-versions",
    "apply",
    "attach",
    "auth",
    "autoscale",
    "certificate",
    "cluster-info",
    "completion",
    "config",
    "convert",
    "cordon",
    "cp",
    "create",
    "delete",
    "describe",
    "drain",
    "edit",
    "exec",
    "explain",
    "expose",
    "get",
    "help",
    "label",
    "logs",
    "options",
    "patch",
    "plugin",
    "port-forward",
    "proxy",
    "replace",
    "rolling-update",
    "rollout",
    "run",
    "scale",
    "set",
    "taint",
    "top",
    "uncordon",
    "version",
)
"""kubectl 1.7's top-level commands, in the order cobra lists (and suggests) them."""

GLOBAL_FLAGS: frozenset[str] = frozenset(
    {
        "alsologtostderr",
        "as",
        "as-group",
        "cache-dir",
        "certificate-authority",
        "client-certificate",
        "client-key",
        "cluster",
        "context",
        "insecure-skip-tls-verify",
        "kubeconfig",
        "log-backtrace-at",
        "log-dir",
        "log-flush-frequency",
        "logtostderr",
        "match-server-version",
        "namespace",
        "password",
        "request-timeout",
        "server",
        "stderrthreshold",
        "token",
        "user",
        "username",
        "v",
        "vmodule",
        "help",
    }
)
"""Flags every kubectl 1.7 command accepts (the root command's persistent flags)."""

_PRINT_FLAGS = frozenset(
    {
        "allow-missing-template-keys",
        "no-headers",
        "output",
        "output-version",
        "show-all",
        "show-labels",
        "sort-by",
        "template",
    }
)

VERB_FLAGS: Mapping[str, frozenset[str]] = {
    "get": _PRINT_FLAGS
    | {
        "all-namespaces",
        "export",
        "filename",
        "ignore-not-found",
        "include-extended-apis",
        "label-columns",
        "raw",
        "recursive",
        "schema-cache-dir",
        "selector",
        "show-kind",
        "validate",
        "watch",
        "watch-only",
    },
    "describe": frozenset(
        {
            "all-namespaces",
            "filename",
            "include-extended-apis",
            "recursive",
            "selector",
            "show-events",
        }
    ),
    "run": _PRINT_FLAGS
    | {
        "attach",
        "command",
        "dry-run",
        "env",
        "expose",
        "generator",
        "hostport",
        "image",
        "image-pull-policy",
        "include-extended-apis",
        "labels",
        "leave-stdin-open",
        "limits",
        "overrides",
        "port",
        "quiet",
        "record",
        "replicas",
        "requests",
        "restart",
        "rm",
        "save-config",
        "schedule",
        "service-generator",
        "service-overrides",
        "serviceaccount",
        "stdin",
        "tty",
    },
    "expose": _PRINT_FLAGS
    | {
        "cluster-ip",
        "dry-run",
        "external-ip",
        "filename",
        "generator",
        "labels",
        "load-balancer-ip",
        "name",
        "overrides",
        "port",
        "protocol",
        "record",
        "recursive",
        "save-config",
        "selector",
        "session-affinity",
        "target-port",
        "type",
    },
    "create": frozenset(
        {
            "dry-run",
            "edit",
            "filename",
            "include-extended-apis",
            "output",
            "record",
            "recursive",
            "save-config",
            "schema-cache-dir",
            "validate",
            "windows-line-endings",
        }
    ),
    "apply": frozenset(
        {
            "all",
            "cascade",
            "dry-run",
            "filename",
            "force",
            "grace-period",
            "include-extended-apis",
            "output",
            "overwrite",
            "prune",
            "prune-whitelist",
            "record",
            "recursive",
            "schema-cache-dir",
            "selector",
            "timeout",
            "validate",
        }
    ),
    "delete": frozenset(
        {
            "all",
            "cascade",
            "filename",
            "force",
            "grace-period",
            "ignore-not-found",
            "include-extended-apis",
            "now",
            "output",
            "recursive",
            "selector",
            "timeout",
        }
    ),
    "label": _PRINT_FLAGS
    | {
        "all",
        "dry-run",
        "filename",
        "include-extended-apis",
        "list",
        "local",
        "overwrite",
        "record",
        "recursive",
        "resource-version",
        "selector",
    },
    "exec": frozenset({"container", "pod", "stdin", "tty"}),
}
"""The flags of each emulated verb in kubectl 1.7 (besides :data:`GLOBAL_FLAGS`)."""

BOOL_FLAGS = frozenset(
    {
        "rm",
        "tty",
        "stdin",
        "expose",
        "overwrite",
        "all-namespaces",
        "show-labels",
        "all",
        "quiet",
        "help",
    }
)
"""Flags that take no value (``--rm``, ``-ti``); ``--flag=false`` still sets one."""

SHORT_FLAGS: Mapping[str, str] = {
    "n": "namespace",
    "t": "tty",
    "i": "stdin",
    "f": "filename",
    "l": "labels",
    "o": "output",
    "c": "container",
    "A": "all-namespaces",
    "q": "quiet",
    "h": "help",
    "s": "server",
    "v": "v",
    "w": "watch",
    "L": "label-columns",
    "a": "show-all",
    "R": "recursive",
    "r": "replicas",
    "p": "pod",
}
"""kubectl 1.7's shorthands (``-n`` is ``--namespace``); a verb may override some (``get -l``)."""

VERB_SHORT_FLAGS: Mapping[str, Mapping[str, str]] = {
    "get": {"l": "selector"},
    "describe": {"l": "selector"},
    "delete": {"l": "selector"},
    "apply": {"l": "selector"},
    "label": {"l": "selector"},
}
"""Per-verb shorthands that differ from :data:`SHORT_FLAGS` (``run -l`` is ``--labels``)."""


RESOURCES: dict[str, ObjectKind | str] = {
    **dict.fromkeys(("pod", "pods", "po"), "Pod"),
    **dict.fromkeys(("service", "services", "svc"), "Service"),
    **dict.fromkeys(
        ("networkpolicy", "networkpolicies", "netpol", "networkpolicy.networking.k8s.io"),
        "NetworkPolicy",
    ),
    **dict.fromkeys(("namespace", "namespaces", "ns"), "Namespace"),
    **dict.fromkeys(("deployment", "deployments", "deploy"), "Deployment"),
    **dict.fromkeys(
        (
            "adminnetworkpolicy",
            "adminnetworkpolicies",
            "anp",
            "adminnetworkpolicies.policy.networking.k8s.io",
        ),
        "AdminNetworkPolicy",
    ),
    **dict.fromkeys(
        (
            "baselineadminnetworkpolicy",
            "baselineadminnetworkpolicies",
            "banp",
            "baselineadminnetworkpolicies.policy.networking.k8s.io",
        ),
        "BaselineAdminNetworkPolicy",
    ),
    **dict.fromkeys(
        (
            "clusternetworkpolicy",
            "clusternetworkpolicies",
            "cnp",
            "clusternetworkpolicies.policy.networking.k8s.io",
        ),
        "ClusterNetworkPolicy",
    ),
}
"""kubectl's names (singular, plural, short) for the resource types netsim emulates; the
network-policy-api kinds' names are their CRDs' (``names.shortNames``: anp, banp, cnp)."""
SHORT = {
    "Pod": "po",
    "Service": "svc",
    "NetworkPolicy": "netpol",
    "Namespace": "ns",
    "Deployment": "deploy",
    "Endpoints": "ep",
    "AdminNetworkPolicy": "anp",
    "BaselineAdminNetworkPolicy": "banp",
    "ClusterNetworkPolicy": "cnp",
}
"""The short names kubectl 1.7 prefixes rows with when several types are listed."""
SINGULAR = {
    "Pod": "pod",
    "Service": "service",
    "NetworkPolicy": "networkpolicy",
    "Namespace": "namespace",
    "Deployment": "deployment",
    "AdminNetworkPolicy": "adminnetworkpolicy",
    "BaselineAdminNetworkPolicy": "baselineadminnetworkpolicy",
    "ClusterNetworkPolicy": "clusternetworkpolicy",
}
PLURAL_RESOURCE = {
    "Pod": "pods",
    "Service": "services",
    "NetworkPolicy": "networkpolicies.networking.k8s.io",
    "Namespace": "namespaces",
    "Deployment": "deployments.extensions",
    "AdminNetworkPolicy": "adminnetworkpolicies.policy.networking.k8s.io",
    "BaselineAdminNetworkPolicy": "baselineadminnetworkpolicies.policy.networking.k8s.io",
    "ClusterNetworkPolicy": "clusternetworkpolicies.policy.networking.k8s.io",
}


class KubectlError(Exception):
    """A failure kubectl reports itself (printed, exit code 1): not a scenario error."""


class UnsupportedCommand(ScenarioError):
    """A command netsim does not run: an unknown verb or flag, or one netsim does not emulate.

    ``str()`` says so for a scenario (exit 2); ``kubectl_output`` is what an interactive
    shell prints instead: kubectl's own error for a verb or flag kubectl does not know,
    a netsim note for a real one netsim does not emulate. kubectl exits
    ``exit_code_kubectl`` (1) either way.
    """

    exit_code_kubectl: int = 1

    def __init__(self, message: str, kubectl_output: str) -> None:
        super().__init__(message)
        self.kubectl_output = kubectl_output


def _distance(a: str, b: str) -> int:
    """Levenshtein distance, ignoring case (cobra's ``ld(a, b, true)``)."""
    a, b = a.lower(), b.lower()
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return row[-1]


def suggestions(typed: str) -> list[str]:
    """The verbs cobra suggests for a mistyped one (distance <= 2, or a prefix of it)."""
    return [
        verb
        for verb in KUBECTL_VERBS
        if _distance(typed, verb) <= 2 or verb.lower().startswith(typed.lower())
    ]


def emulated_list() -> str:
    """``run, expose, ...``: the emulated verbs, for messages."""
    return ", ".join(EMULATED_VERBS)


def unsupported_verb(verb: str, where: str) -> UnsupportedCommand:
    """The error for a verb netsim does not run, in current kubectl's words.

    ``error: unknown command "VERB" for "kubectl"`` (what kubectl prints for a verb
    it does not have); for a real verb netsim does not emulate, a second line says
    which ones it does; for a typo, cobra's suggestions.
    """
    message = f"{where}: unsupported kubectl command: {verb} (netsim emulates {emulated_list()})"
    text = f'error: unknown command "{verb}" for "kubectl"'
    if verb in KUBECTL_VERBS:
        text += f'\nnetsim does not emulate "kubectl {verb}"; it emulates: {emulated_list()}'
        return UnsupportedCommand(message, text)
    close = suggestions(verb)
    if close:
        text += "\n\nDid you mean this?\n" + "".join(f"\t{s}\n" for s in close)
    return UnsupportedCommand(message, text.rstrip("\n"))


HELP = """kubectl controls the Kubernetes cluster manager.

netsim emulates these kubectl commands:
  run NAME --image=IMAGE [--replicas=N] [--labels=K=V,...] [--port=P] [--expose]
  expose (deployment|pod|service) NAME --port=P [--target-port=P] [--type=TYPE]
  create|apply|delete -f FILE        create namespace NAME
  create service clusterip|nodeport|loadbalancer NAME --tcp=PORT[:TARGET],...
  label (pod|ns) NAME K=V [K-] [--overwrite]
  get TYPE[,TYPE...] [NAME...] [-l SELECTOR] [-A] [-o wide|yaml|json|name] [--show-labels]
  describe (pod|svc|netpol) [NAME...]
  delete TYPE[,TYPE...] NAME...
  exec POD -- COMMAND [ARGS...]

TYPE is pods (po), services (svc), networkpolicies (netpol), namespaces (ns),
deployments (deploy) or endpoints (ep, get only); -n NAMESPACE works everywhere."""
"""What ``kubectl``, ``kubectl help`` and ``kubectl --help`` print in netsim."""


def help_requested(where: str) -> UnsupportedCommand:
    """``kubectl`` alone or ``kubectl --help``: a scenario error, the shell prints :data:`HELP`."""
    return UnsupportedCommand(
        f"{where}: empty kubectl command (netsim prints no kubectl help)", HELP
    )


def hoist_namespace(words: Sequence[str]) -> list[str]:
    """Move ``-n NS`` given before the verb (``kubectl -n x get pods``) after the verb."""
    items = list(words)
    moved: list[str] = []
    while items and items[0].startswith("-"):
        word = items[0]
        if word in ("-n", "--namespace") and len(items) > 1:
            moved += items[:2]
            items = items[2:]
        elif word.startswith(("--namespace=", "-n")) and word not in ("-n",):
            moved.append(items.pop(0))
        else:
            break
    return items[:1] + moved + items[1:]


def unsupported_flag(
    verb: str, word: str, name: str, where: str, letter: str = ""
) -> UnsupportedCommand:
    """The error for a flag the emulated ``verb`` does not take.

    ``word`` is the argument as typed, ``name`` the flag's long name and ``letter``
    the shorthand used, if one was.
    """
    message = f"{where}: unsupported kubectl flag: {word}"
    path = f"kubectl {verb}".strip()
    if name in GLOBAL_FLAGS or name in VERB_FLAGS.get(verb, frozenset()):
        output = f'error: netsim does not emulate the --{name} flag of "{path}"'
        return UnsupportedCommand(message, output)
    error = f"unknown flag: --{name}"
    if letter:
        error = f"unknown shorthand flag: '{letter}' in {word}"
    return UnsupportedCommand(message, f"Error: {error}\nSee '{path} --help' for usage.")


@dataclass
class Args:
    """A parsed kubectl command line: positional words and flag values."""

    positional: list[str]
    flags: dict[str, str]
    command: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        """Whether the flag was given."""
        return name in self.flags

    def get(self, name: str, default: str = "") -> str:
        """The flag's value, or ``default``."""
        return self.flags.get(name, default)


def type_and_names(positional: Sequence[str]) -> list[str]:
    """``TYPE/NAME [NAME...]`` as ``TYPE NAME [NAME...]`` (kubectl takes both forms)."""
    items = list(positional)
    if items and "/" in items[0]:
        items = items[0].split("/", 1) + items[1:]
    return items


def _shorthand(verb: str, letter: str) -> str | None:
    own = VERB_SHORT_FLAGS.get(verb, {})
    return own.get(letter) or SHORT_FLAGS.get(letter)


def parse_flags(
    words: Sequence[str], allowed: frozenset[str] | set[str], where: str, verb: str = ""
) -> Args:
    """Parse flags as pflag does (``--a=b``, ``--a b``, ``-n b``, ``-lk=v``, ``-ti``).

    ``--`` ends flags. A flag not in ``allowed`` raises :class:`UnsupportedCommand`.
    """
    positional: list[str] = []
    flags: dict[str, str] = {}
    command: list[str] = []
    items = list(words)
    i = 0
    while i < len(items):
        word = items[i]
        i += 1
        if word == "--":
            command = items[i:]
            break
        if not (word.startswith("-") and len(word) > 1):
            positional.append(word)
            continue
        names: list[tuple[str, str]]  # (long name, shorthand letter or "")
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            names = [(name, "")]
        else:
            body = word[1:]
            eq, value = "", ""
            first = _shorthand(verb, body[:1])
            if first is not None and first not in BOOL_FLAGS:
                names = [(first, body[:1])]
                if len(body) > 1:
                    eq, value = "=", body[1:].removeprefix("=")
            else:
                names = [(_shorthand(verb, ch) or "", ch) for ch in body]
        for name, letter in names:
            if name not in allowed:
                raise unsupported_flag(verb, word, name, where, letter)
            if name in BOOL_FLAGS:
                flags[name] = value if eq else "true"
            elif eq:
                flags[name] = value
            elif i < len(items):
                flags[name] = items[i]
                i += 1
            else:
                raise KubectlError(f"error: flag needs an argument: {word}")
    return Args(positional, flags, command)
