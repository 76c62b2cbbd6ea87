"""Background steps: commands that run while later steps change the cluster, and ``wait``.

An ``exec`` step with ``background: ID`` starts its command and the scenario goes
on at once, as ``kubectl exec ... &`` does in a terminal; ``wait: ID`` runs the
network until the command ends and checks the expectations of both steps then.
The transcript reads like bash's job control: ``[1] ID`` when a job starts (where
bash prints its process id), and at ``$ wait %1`` the job's output followed by
bash's notice ``[1]+  Done                    COMMAND`` (``Exit 1`` when it failed,
the status padded to 24 columns as bash's ``pretty_print_job`` pads it).

:class:`JobNetwork` gives the simulator the two calls this needs (start a command,
finish it) on top of ``netsim.sim.network.Network``'s own ``exec``.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from netsim.errors import NetsimError, ScenarioError
from netsim.scenario.checks import DropEvent, check_outcome, not_run, outcome_of
from netsim.scenario.kubectl import Kubectl, KubectlResult, exec_result
from netsim.scenario.transcript import StepRecord, typed_lines, verdict_of
from netsim.sim.network import SETTLE, Network

if TYPE_CHECKING:
    import simpy

    from netsim.model.cluster import Change
    from netsim.scenario.schema import Step
    from netsim.sim.apps import ExecResult
    from netsim.sim.topology import Host

STATUS_WIDTH = 24
"""Width of the status column of bash's job notices (``Done`` plus 20 spaces)."""


class JobNetwork(Network):
    """The simulator, with commands that run in the background (see the module docstring)."""

    def start(self, pod_key: str, command: str) -> object:
        """Start ``command`` on ``pod_key``'s host now; the handle :meth:`finish` takes.

        Raises LookupFailed when there is no such host. Nothing runs until simulated
        time passes (a later step's command, ``sleep`` or :meth:`finish`).
        """
        host = self.host(pod_key)
        return self.env.process(_guarded(self, host, command))

    def finish(self, job: object) -> ExecResult:
        """Run the network until the started command ends; what it printed and its code."""
        process = cast("simpy.Process", job)
        self.env.run(until=process)
        self.env.run(until=self.env.now + SETTLE)
        value = process.value
        if isinstance(value, NetsimError):
            raise value
        return cast("ExecResult", value)


def _guarded(net: Network, host: Host, command: str) -> Generator[Any, Any, Any]:
    """Run one command line; an error it raises becomes its value (raised at the wait)."""
    from netsim.sim.apps import run_command

    try:
        return (yield from run_command(net, host, command))
    except NetsimError as exc:
        return exc


@dataclass(frozen=True, slots=True)
class Job:
    """One background step while it runs.

    ``number`` is its bash job number; ``command`` the command line as the
    transcript shows it, ``text`` the one the host runs; ``handle`` what the
    network's ``start`` returned (None when kubectl refused at once, with
    ``refusal`` as its output and exit code 1);
    ``drops_mark`` how many drops had happened when it started; ``pod`` whether it
    runs through ``kubectl exec`` (which adds ``command terminated with exit code N``);
    ``host`` the pod (``ns/name``) or host it runs on.
    """

    step: Step
    number: int
    command: str
    text: str
    handle: object | None
    drops_mark: int
    pod: bool
    refusal: str = ""
    host: str = ""


class JobTable:
    """The running background jobs, numbered as bash numbers them."""

    def __init__(self) -> None:
        self.running: dict[str, Job] = {}

    def next_number(self) -> int:
        """bash's number for a new job: one more than the highest running (1 when none)."""
        return max((job.number for job in self.running.values()), default=0) + 1

    def add(self, job_id: str, job: Job, where: str) -> None:
        """Record a started job (its id must not be running: the schema checks it)."""
        if job_id in self.running:
            raise ScenarioError(f"{where}: job {job_id!r} is already running")
        self.running[job_id] = job

    def take(self, job_id: str, where: str) -> tuple[Job, str]:
        """Remove a job to wait for it; also its bash marker (``+`` current, ``-`` previous)."""
        job = self.running.get(job_id)
        if job is None:
            raise ScenarioError(f"{where}: no background job {job_id!r} is running")
        order = sorted(self.running.values(), key=lambda j: j.number)
        marker = "+" if order[-1] is job else "-" if len(order) > 1 and order[-2] is job else " "
        del self.running[job_id]
        return job, marker


def done_line(job: Job, marker: str, exit_code: int) -> str:
    """bash's notice for a finished job: ``[1]+  Done                    COMMAND``."""
    status = "Done" if exit_code == 0 else f"Exit {exit_code}"
    return f"[{job.number}]{marker}  {status.ljust(STATUS_WIDTH)}{job.command}"


def exec_argv(text: str, where: str) -> str:
    """The command ``kubectl exec POD -- TEXT`` runs: the words a terminal's shell splits
    TEXT into, handed over as they are (``||`` typed there is an argument, not a shell
    operator, as ``kubectl exec`` runs no shell)."""
    try:
        return shlex.join(shlex.split(text))
    except ValueError as exc:
        raise ScenarioError(f"{where}: cannot split the command line: {exc}") from None


class Finished(Protocol):
    """What running a command on a host gives: busybox's output and exit code."""

    @property
    def output(self) -> str:
        """What the command printed."""

    @property
    def exit_code(self) -> int:
        """Its exit code."""


class Ended(Finished, Protocol):
    """A finished command that also says when it ended (simulated seconds)."""

    @property
    def ended(self) -> float:
        """When the command ended."""


class JobNetworkLike(Protocol):
    """What background steps need of the live network."""

    def start(self, pod_key: str, command: str) -> object:
        """Start a command; its handle."""

    def finish(self, job: object) -> Ended:
        """Run until a started command ends; its outcome."""

    def drops(self) -> Sequence[DropEvent]:
        """The packet drops so far, in time order."""

    @property
    def now(self) -> float:
        """Simulated seconds since the network started."""


class Background:
    """The ``background:`` exec steps of a run and their ``wait:`` steps.

    ``substitute`` replaces a command's placeholders (the runner's), naming the step
    in errors; ``source`` names the scenario in errors. A job whose pod is deleted
    while its command runs is an error at its ``wait`` (how ``kubectl exec`` ends then
    is not emulated); :meth:`close` stops following the cluster.
    """

    def __init__(
        self,
        network: JobNetworkLike,
        kubectl: Kubectl,
        substitute: Callable[[str, str], str],
        source: str,
    ) -> None:
        self.source = source
        self.network = network
        self.kubectl = kubectl
        self.substitute = substitute
        self.table = JobTable()
        self.deleted: dict[str, float] = {}
        """Pod key -> when it was deleted, for the pods of running jobs."""
        kubectl.cluster.subscribe(self._on_change)

    def _on_change(self, change: Change) -> None:
        running = (job.host for job in self.table.running.values())
        if change.op == "delete" and change.kind == "Pod" and change.key in running:
            self.deleted.setdefault(change.key, self.network.now)

    def close(self) -> None:
        """Stop following the cluster."""
        self.kubectl.cluster.unsubscribe(self._on_change)

    def start(self, step: Step, notes: Sequence[str], where: str) -> StepRecord:
        """Start a ``background:`` exec step; its lines ``$ COMMAND &`` and ``[N] ID``."""
        text = self.substitute(step.command, where)
        namespace, _, target = step.argument.partition("/")
        number = self.table.next_number()
        mark = len(self.network.drops())
        refusal = ""
        handle: object | None = None
        pod = namespace not in ("external", "node")
        if pod:
            ns_flag = "" if namespace == "default" else f" -n {namespace}"
            command, prompt = f"kubectl exec{ns_flag} {target} -- {text}", "$ "
            found = self.kubectl.exec_pod(target, namespace)
            host = ""
            if isinstance(found, KubectlResult):
                refusal = found.output
            else:
                host = found
                handle = self._start_at(found, exec_argv(text, where), where)
        else:
            command, prompt, host = text, f"[{step.argument}] $ ", step.argument
            handle = self._start_at(step.argument, text, where)
        self.deleted.pop(host, None)
        job = Job(step, number, command, text, handle, mark, pod, refusal, host)
        self.table.add(step.background, job, where)
        lines = [*notes, f"{prompt}{command} &", f"[{number}] {step.background}"]
        if notes:
            lines.insert(0, "")
        shown = f"{prompt}{command} &".removeprefix("$ ")
        return StepRecord(step.path, "exec", shown, tuple(lines), "", 0)

    def _start_at(self, host: str, command: str, where: str) -> object:
        try:
            return self.network.start(host, command)
        except NetsimError as exc:
            raise ScenarioError(f"{where}: {exc}") from None

    def wait(self, step: Step, notes: Sequence[str], where: str) -> StepRecord:
        """``wait: ID``: run until the job ends; check its step's and this step's expect."""
        job, marker = self.table.take(step.argument, where)
        failed = ""
        if job.handle is None:
            output, code, failed = job.refusal, 1, "kubectl exec failed"
        else:
            try:
                ran = self.network.finish(job.handle)
            except NetsimError as exc:
                raise ScenarioError(
                    f"{where.split(': ', 1)[0]}: {job.step.path}.exec: {exc}"
                ) from None
            if ran.ended > self.deleted.pop(job.host, ran.ended):
                raise ScenarioError(
                    f"{self.source}: {job.step.path}.exec: pod {job.host} was deleted while "
                    "its background command ran; netsim does not emulate how kubectl exec "
                    "ends then (wait for the job before deleting its pod)"
                )
            output, code = ran.output.rstrip("\n"), ran.exit_code
            failed = not_run(code)
            if job.pod:  # as a foreground exec step: kubectl's words, kubectl's exit code
                printed = exec_result(output, code)
                output, code = printed.output, printed.exit_code
        events = self.network.drops()[job.drops_mark :]
        result = outcome_of(events, output, code, verdict_of(job.text, code), failed)
        expects = (*job.step.expect, *step.expect)
        checks = check_outcome(f"{job.step.path}.exec", expects, result)
        command = f"wait %{job.number}"
        lines = [*notes, *typed_lines("$ ", command, output), done_line(job, marker, code)]
        if notes:
            lines.insert(0, "")
        return StepRecord(
            step.path,
            "wait",
            command,
            tuple(lines),
            output,
            code,
            result.verdict,
            checks,
            (),
            result.drops,
        )
