"""The scenario runner: build the cluster, replay the steps, check the expectations.

:func:`run_scenario` drives a :class:`~netsim.model.Cluster` through the kubectl
emulation and a live network (``netsim.sim.network.Network`` unless a test passes
another factory) and returns a :class:`~netsim.scenario.transcript.ScenarioResult`.
The network is built lazily, on the first step that needs it, with the CNI
profile in force then: applying the Calico manifest URL before any traffic turns
enforcement on, as installing Calico does on a real cluster.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from netsim.addr import Prefix, int_to_ip
from netsim.errors import NetsimError, ScenarioError
from netsim.fileio import describe_os_error
from netsim.model.cluster import DEFAULT_NODE_NETWORK, Cluster
from netsim.model.objects import Namespace, Node, Service, ServicePort
from netsim.model.yamlsafe import dump_yaml_all
from netsim.policy.engine import PolicyEngine
from netsim.policy.profile import Profile
from netsim.policy.verdict import SideDecision
from netsim.scenario.checks import (
    DropEvent,
    Outcome,
    check_outcome,
    not_run,
    outcome_of,
)
from netsim.scenario.jobs import Background, Ended, exec_argv
from netsim.scenario.jobs import Finished as ExecOutcome
from netsim.scenario.kubectl import Kubectl, KubectlError, KubectlResult, Session, exec_result
from netsim.scenario.schema import Scenario, ShellCommand, Step
from netsim.scenario.sendstep import run_send
from netsim.scenario.transcript import (
    CommandRecord,
    ScenarioResult,
    StepRecord,
    Verdict,
    typed_lines,
    verdict_of,
)

if TYPE_CHECKING:
    from netsim.sim.fate import PacketFate
    from netsim.sim.packet import Packet

PROMPT = "/ # "
PLACEHOLDER = re.compile(r"\{(cluster_ip|lb_ip|node_port|node_ip|pod_ip):([^{}\s]+)\}")
BOOT_NAMESPACES: tuple[str, ...] = ("default", "kube-public", "kube-system")


class LiveNetwork(Protocol):
    """The part of ``netsim.sim.network.Network`` the runner drives."""

    @property
    def now(self) -> float:
        """Simulated seconds since the network started."""

    def exec(self, pod_key: str, command: str) -> ExecOutcome:
        """Run ``command`` in pod ``ns/name`` (or ``external/<name>``, ``node/<name>``)."""

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass."""

    def write_pcap(self, path: str, interface: str | Sequence[str] | None = None) -> int:
        """Write the captured frames (of ``interface``: one name or several) to a pcapng file."""

    def add_external_host(self, name: str, ip: str, dns_name: str | None = None) -> str:
        """Add an internet client ``external/<name>``."""

    def load_balancer_ip(self, service_key: str) -> str:
        """The load-balancer IP of a LoadBalancer Service (LookupFailed if none)."""

    def node_port(self, service_key: str, port: int) -> int:
        """The NodePort of ``port`` of a NodePort/LoadBalancer Service."""

    def drops(self) -> Sequence[DropEvent]:
        """Trace events of the dropped packets so far, in time order (printable)."""

    def close(self) -> None:
        """Stop following the cluster."""

    def send(self, packet: Packet | bytes, at: str) -> PacketFate:
        """Put ``packet`` on the interface of ``at``; its fate (a ``send:`` step)."""

    def start(self, pod_key: str, command: str) -> object:
        """Start a command in the background (a ``background:`` step); its handle."""

    def finish(self, job: object) -> Ended:
        """Run until a started command ends (a ``wait:`` step); its outcome."""


class ProfileSwitch:
    """The policy hook the network calls: a PolicyEngine whose CNI profile can change.

    Installing Calico on a flannel-like cluster (``kubectl apply -f .../calico.yaml``)
    switches from a profile that enforces nothing to one that enforces, without
    rebuilding the network: time, connections and the capture go on.
    """

    def __init__(self, cluster: Cluster, profile: Profile) -> None:
        self.cluster = cluster
        self.profile = profile
        self.engine = PolicyEngine(cluster, profile)

    def switch(self, profile: Profile) -> None:
        """Enforce with ``profile`` from now on."""
        self.engine.close()
        self.profile = profile
        self.engine = PolicyEngine(self.cluster, profile)

    def egress(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> SideDecision:
        """The source's egress decision (see PolicyEngine.egress)."""
        return self.engine.egress(src_ip, dst_ip, protocol, dst_port)

    def ingress(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> SideDecision:
        """The destination's ingress decision (see PolicyEngine.ingress)."""
        return self.engine.ingress(src_ip, dst_ip, protocol, dst_port)

    def close(self) -> None:
        """Stop following the cluster."""
        self.engine.close()


NetworkFactory = Callable[[Cluster, int, Profile, ProfileSwitch], LiveNetwork]
"""Builds the live network for a cluster, a seed, a CNI profile and the policy hook."""


def simulator(cluster: Cluster, seed: int, profile: Profile, hook: ProfileSwitch) -> LiveNetwork:
    """The default network factory: netsim's packet-level simulator."""
    from netsim.scenario.jobs import JobNetwork

    network: LiveNetwork = JobNetwork(cluster, seed=seed, profile=profile, engine=hook)
    return network


def build_cluster(scenario: Scenario) -> Cluster:
    """The cluster a scenario starts from, as ``kubeadm init`` leaves it.

    Nodes ``node-1``.. with the N-th /24 of the pod CIDR and IPs 172.18.0.(N+1);
    namespaces default, kube-public and kube-system; the ``kubernetes`` Service,
    which takes the first address of the service CIDR as on a real cluster.
    """
    spec = scenario.cluster
    cluster = Cluster(service_cidr=Prefix.parse(spec.service_cidr))
    pods = Prefix.parse(spec.pod_cidr)
    nodes = Prefix.parse(DEFAULT_NODE_NETWORK)
    for n in range(1, spec.nodes + 1):
        node_ip = int_to_ip(nodes.address(n + 1), nodes.version)
        cluster.add(Node(f"node-{n}", node_ip, _subnet(pods, n)))
    for name in BOOT_NAMESPACES:
        cluster.add(Namespace(name))
    cluster.add(Service("kubernetes", "default", (ServicePort(443, 6443, name="https"),)))
    return cluster


def _subnet(prefix: Prefix, index: int) -> Prefix:
    """The ``index``-th /24 inside ``prefix``."""
    return Prefix(prefix.version, prefix.network + (index << 8), 24)


class CaptureNotWritten(NetsimError):
    """The run completed but its capture could not be written: ``result`` is the run."""

    def __init__(self, error: NetsimError, result: ScenarioResult) -> None:
        super().__init__(str(error))
        self.exit_code = error.exit_code
        self.result = result


class Runner:
    """Replays one scenario; :meth:`run` returns its result.

    ``seed`` overrides the scenario's seed; ``network_factory`` builds the live
    network (the simulator by default).
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        network_factory: NetworkFactory | None = None,
    ) -> None:
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.factory = network_factory or simulator
        self.cluster = build_cluster(scenario)
        self.cni = scenario.cluster.cni
        profile = scenario.cluster.profile()
        self.hook = ProfileSwitch(self.cluster, profile)
        self.network = self.factory(self.cluster, self.seed, profile, self.hook)
        self._sends = 0
        names = dict(scenario.cluster.external_dns)
        for name, ip in scenario.cluster.external:
            self.network.add_external_host(name, ip, names.get(name))
        self.kubectl = Kubectl(
            self.cluster,
            clock=self.now,
            rng=random.Random(f"kubectl:{self.seed}"),
            base_dir=scenario.base_dir,
            exec_fn=self._exec,
            install_cni=self._install_cni,
            cluster_ips=dict(scenario.cluster.cluster_ips),
            load_balancer_ip=self._load_balancer_ip,
        )
        self.jobs = Background(self.network, self.kubectl, self._substitute, scenario.source)

    # ------------------------------------------------------------- network
    def now(self) -> float:
        """Simulated seconds since the scenario started."""
        return self.network.now

    def _install_cni(self, cni: str) -> None:
        self.cni = cni
        self.hook.switch(self.scenario.cluster.profile(cni))

    def _load_balancer_ip(self, service_key: str) -> str:
        try:
            return self.network.load_balancer_ip(service_key)
        except NetsimError:
            return ""

    def _exec(self, pod_key: str, command: str) -> tuple[str, int]:
        result = self.network.exec(pod_key, command)
        return result.output.rstrip("\n"), result.exit_code

    def _exec_at(self, host: str, command: str, where: str) -> tuple[str, int]:
        """Run a command the scenario types itself; a host that cannot run it names the step."""
        try:
            return self._exec(host, command)
        except NetsimError as exc:
            raise ScenarioError(f"{where}: {exc}") from None

    def _substitute(self, command: str, where: str) -> str:
        """``command`` with its placeholders replaced (:func:`substitute`)."""
        return substitute(command, where, self.cluster, self.network)

    # ------------------------------------------------------------------ run
    def run(self, pcap: Path | None = None, interfaces: tuple[str, ...] = ()) -> ScenarioResult:
        """Replay every step; write the capture to ``pcap`` if given (pcapng; of
        ``interfaces`` only when some are named)."""
        records = [self.execute(step) for step in self.scenario.steps]
        written = ""
        failure: NetsimError | None = None
        if pcap is not None:
            try:
                pcap.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ScenarioError(
                    f"{pcap.parent}: cannot create the capture folder: {describe_os_error(exc)}"
                ) from None
            try:
                self.network.write_pcap(str(pcap), *([interfaces] if interfaces else []))
                written = str(pcap)
            except NetsimError as exc:
                failure = exc
        self.close()
        header = [f"# {self.scenario.name}: {self.scenario.title}"]
        header += [f"# {line}".rstrip() for line in self.scenario.description.splitlines()]
        header.append("")
        result = ScenarioResult(
            self.scenario.name,
            self.scenario.source,
            self.scenario.title,
            self.seed,
            tuple(records),
            tuple(header),
            written,
        )
        if failure is not None:
            raise CaptureNotWritten(failure, result)
        return result

    def close(self) -> None:
        """Stop following the cluster (kubectl, network and policy hook)."""
        self.jobs.close()
        self.kubectl.close()
        self.network.close()
        self.hook.close()

    def _where(self, step: Step) -> str:
        return f"{self.scenario.source}: {step.path}.{step.action}"

    def _outcome(
        self, mark: int, output: str, code: int, verdict: Verdict | None, not_carried_out: str = ""
    ) -> Outcome:
        """A result with the packet drops since ``mark`` drops had happened."""
        return outcome_of(self.network.drops()[mark:], output, code, verdict, not_carried_out)

    def execute(self, step: Step) -> StepRecord:
        """Carry out one step on the live cluster and check its expectations.

        Scenario files and the interactive shell both come through here, so a
        typed line and a scenario step mean the same thing.
        """
        notes = [f"# {line}".rstrip() for line in step.note.splitlines()]
        if step.action == "shell":
            return self._shell(step, notes)
        mark = len(self.network.drops())
        where = self._where(step)
        verdict: Verdict | None = None
        failed = ""
        if step.action == "kubectl":
            command = f"kubectl {step.argument}"
            result = self.kubectl.run(step.argument, where)
            output, code = result.output, result.exit_code
            failed = "kubectl failed" if code else ""
        elif step.action in ("create", "apply", "delete"):
            command, output, code = self._manifest_step(step, where)
            failed = "kubectl failed" if code else ""
        elif step.action == "exec" and step.background:
            return self.jobs.start(step, notes, where)
        elif step.action == "wait":
            return self.jobs.wait(step, notes, where)
        elif step.action == "exec":
            command, output, code, failed = self._exec_step(step, where)
            verdict = verdict_of(step.command, code)
        elif step.action == "send":
            self._sends += 1
            command, output, code = run_send(
                self.cluster, self.network, step, where, self._substitute, self._sends
            )
            verdict = "allowed" if code == 0 else "denied"
        elif step.action == "sleep":
            command, output, code = f"sleep {step.seconds:g}", "", 0
            self.network.advance(step.seconds)
        elif step.action == "cat":
            command, output, code = f"cat {step.argument}", self._cat(step, where), 0
        else:
            comment = tuple(f"# {line}".rstrip() for line in step.argument.splitlines())
            return StepRecord(step.path, step.action, "", ("", *comment), "", 0)
        outcome = self._outcome(mark, output, code, verdict, failed)
        checks = check_outcome(f"{step.path}.{step.action}", step.expect, outcome)
        prompt = "" if command.startswith("[") else "$ "
        lines = [*notes, *typed_lines(prompt, command, output)]
        if notes:
            lines.insert(0, "")
        return StepRecord(
            step.path,
            step.action,
            command,
            tuple(lines),
            output,
            code,
            verdict,
            checks,
            (),
            outcome.drops,
        )

    def _manifest_step(self, step: Step, where: str) -> tuple[str, str, int]:
        if step.argument:
            command = f"kubectl {step.action} -f {step.argument}"
            result = self.kubectl.run(f"{step.action} -f {step.argument}", where)
            return command, result.output, result.exit_code
        shown = dump_yaml_all(
            [dict(d) for d in step.documents], sort_keys=False, default_flow_style=False
        ).rstrip("\n")
        command = f"kubectl {step.action} -f - <<EOF\n{shown}\nEOF"
        source = f"{self.scenario.source} ({step.path}.{step.action})"
        try:
            lines = self.kubectl.manifests(step.action, step.documents, source)
        except KubectlError as exc:
            return command, str(exc), 1
        return command, "\n".join(lines), 0

    def _exec_step(self, step: Step, where: str) -> tuple[str, str, int, str]:
        """Run an exec step: its transcript command, output, exit code, and why it did
        not run (kubectl refused, or the pod's shell found no such command; ``""``)."""
        command_text = self._substitute(step.command, where)
        namespace, _, target = step.argument.partition("/")
        if namespace in ("external", "node"):
            output, code = self._exec_at(step.argument, command_text, where)
            return f"[{step.argument}] $ {command_text}", output, code, not_run(code)
        ns_flag = "" if namespace == "default" else f" -n {namespace}"
        command = f"kubectl exec{ns_flag} {target} -- {command_text}"
        found = self.kubectl.exec_pod(target, namespace)
        if isinstance(found, KubectlResult):
            return command, found.output, found.exit_code, "kubectl exec failed"
        output, code = self._exec(found, exec_argv(command_text, where))
        result = exec_result(output, code)
        return command, result.output, result.exit_code, not_run(code)

    def _cat(self, step: Step, where: str) -> str:
        path = self.scenario.base_dir / step.argument
        try:
            return path.read_text(encoding="utf-8").rstrip("\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"{where}: cannot read {step.argument}: {exc}") from None

    def open_shell(self, command_line: str, where: str) -> Session | KubectlResult:
        """Start an interactive session (``kubectl run ... --rm -ti ... /bin/sh`` or
        ``kubectl exec -ti POD -- sh``): the session, or kubectl's refusal."""
        return self.kubectl.open_session(command_line, where)

    def shell_command(
        self, session: Session, typed: ShellCommand, where: str
    ) -> tuple[CommandRecord, tuple[str, ...]]:
        """Run one command typed at the session's ``/ # `` prompt.

        Returns its record (output, exit code, verdict, checks of its ``expect``,
        drops meanwhile) and the transcript lines it adds (prompt line and output).
        """
        text = self._substitute(typed.command, f"{self.scenario.source}: {typed.path}")
        mark = len(self.network.drops())
        output, code = self._exec_at(session.pod, text, where)
        outcome = self._outcome(mark, output, code, verdict_of(text, code), not_run(code))
        checks = check_outcome(typed.path, typed.expect, outcome)
        lines = typed_lines(PROMPT, text, output)
        record = CommandRecord(
            typed.path, text, output, code, outcome.verdict, checks, outcome.drops
        )
        return record, lines

    def close_shell(self, session: Session) -> tuple[str, ...]:
        """End a session: the ``/ # exit`` line, kubectl's closing lines and the ``--rm``
        deletion."""
        return (f"{PROMPT}exit", *self.kubectl.close_session(session))

    def _shell(self, step: Step, notes: list[str]) -> StepRecord:
        where = self._where(step)
        command = (
            step.argument if step.argument.startswith("kubectl ") else (f"kubectl {step.argument}")
        )
        lines = [*notes, f"$ {command}"]
        if notes:
            lines.insert(0, "")
        opened = self.open_shell(step.argument, where)
        if isinstance(opened, KubectlResult):
            lines += opened.output.splitlines()
            refused = Outcome(opened.output, opened.exit_code, not_carried_out="kubectl failed")
            checks = check_outcome(f"{step.path}.shell", step.expect, refused)
            return StepRecord(
                step.path,
                "shell",
                command,
                tuple(lines),
                opened.output,
                opened.exit_code,
                None,
                checks,
            )
        session: Session = opened
        body = list(session.banner)
        records = []
        last = Outcome("", 0)
        for typed in step.commands:
            mark = len(self.network.drops())
            record, typed_lines = self.shell_command(session, typed, where)
            last = self._outcome(mark, "", record.exit_code, record.verdict)
            body += typed_lines
            records.append(record)
        body += self.close_shell(session)
        output = "\n".join(body)
        whole = dataclasses.replace(last, output=output)
        checks = check_outcome(f"{step.path}.shell", step.expect, whole)
        return StepRecord(
            step.path,
            "shell",
            command,
            (*lines, *body),
            output,
            last.exit_code,
            last.verdict,
            checks,
            tuple(records),
            last.drops,
        )


def substitute(command: str, where: str, cluster: Cluster, network: LiveNetwork) -> str:
    """Replace ``{cluster_ip:ns/svc}``, ``{lb_ip:ns/svc}``, ``{node_port:ns/svc:port}``,
    ``{pod_ip:ns/pod}`` and ``{node_ip:node}`` in ``command`` with what the cluster
    assigned; ScenarioError naming ``where`` when one cannot be resolved."""

    def value(match: re.Match[str]) -> str:
        kind, arg = match.group(1), match.group(2)
        try:
            if kind == "cluster_ip":
                return cluster.service(arg).cluster_ip
            if kind == "pod_ip":
                return cluster.pod(arg).ip
            if kind == "lb_ip":
                return network.load_balancer_ip(arg)
            if kind == "node_port":
                key, _, port = arg.rpartition(":")
                return str(network.node_port(key, int(port)))
            return cluster.nodes[arg].ip
        except (NetsimError, KeyError, ValueError) as exc:
            raise ScenarioError(f"{where}: cannot resolve {match.group(0)}: {exc}") from None

    return PLACEHOLDER.sub(value, command)


def run_scenario(
    scenario: Scenario,
    *,
    seed: int | None = None,
    pcap: Path | None = None,
    network_factory: NetworkFactory | None = None,
    interfaces: tuple[str, ...] = (),
) -> ScenarioResult:
    """Replay ``scenario`` and return its result (see :class:`Runner`); ``interfaces``
    limits the capture written to ``pcap``."""
    return Runner(scenario, seed=seed, network_factory=network_factory).run(pcap, interfaces)


def scenario_summary(results: Sequence[ScenarioResult]) -> dict[str, Any]:
    """Totals over several runs (for the CLI's last line and ``--json``)."""
    return {
        "scenarios": len(results),
        "passed": sum(r.passed for r in results),
        "failed": sum(not r.passed for r in results),
        "checks": sum(len(r.checks) for r in results),
        "failed_checks": sum(len(r.failures) for r in results),
    }
