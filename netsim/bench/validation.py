"""``netsim validate`` on many large NetworkPolicies: the input and the measurement.

:func:`rule_policy_text` writes one NetworkPolicy as ``kubectl get -o yaml`` lays
it out (block style), with ``rules`` ingress rules of the realistic shape: one
``from`` peer with a ``podSelector`` and a ``namespaceSelector`` (ANDed), and one
``ports`` entry. Labels and ports vary from rule to rule (97 client apps, 13 teams,
5,000 ports), so nothing repeats within a policy more than real policies repeat.
:func:`write_rule_files` writes one file per policy; :func:`run_validate_cli` runs
``netsim validate -q`` on them in a fresh process and reads its wall time and peak
RSS (the figures of ``benchmarks/README.md``). From a shell::

    python -m netsim.bench.validation OUT_DIR POLICIES RULES   # write, run, print
"""

from __future__ import annotations

import resource
import sys
from dataclasses import dataclass
from pathlib import Path

from netsim.bench.matrixcli import ProcessRun, run_process
from netsim.model.load import check_bytes

CLIENT_APPS = 97
TEAMS = 13
PORTS = 5_000


def rule_policy_text(index: int, rules: int) -> str:
    """One NetworkPolicy manifest (YAML) with ``rules`` ingress rules."""
    head = (
        "apiVersion: networking.k8s.io/v1\n"
        "kind: NetworkPolicy\n"
        "metadata:\n"
        f"  name: policy-{index}\n"
        f"  namespace: team-{index % TEAMS}\n"
        "spec:\n"
        "  podSelector:\n"
        "    matchLabels:\n"
        f"      app: app-{index}\n"
        "  policyTypes:\n"
        "  - Ingress\n"
        "  ingress:\n"
    )
    body = "".join(
        "  - from:\n"
        "    - podSelector:\n"
        "        matchLabels:\n"
        f"          app: client-{(index + j) % CLIENT_APPS}\n"
        "      namespaceSelector:\n"
        "        matchLabels:\n"
        f"          team: team-{j % TEAMS}\n"
        "    ports:\n"
        "    - protocol: TCP\n"
        f"      port: {1000 + (index * 7 + j) % PORTS}\n"
        for j in range(rules)
    )
    return head + body


def write_rule_files(folder: Path, policies: int, rules: int) -> list[Path]:
    """Write ``policies`` files of one policy with ``rules`` rules each; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(policies):
        path = folder / f"policy-{index:05d}.yaml"
        path.write_text(rule_policy_text(index, rules), encoding="utf-8")
        paths.append(path)
    return paths


def validate_texts(texts: list[str]) -> int:
    """Validate each text as ``netsim validate`` validates a file; return the objects found.

    Raises AssertionError if any text is invalid (the generated ones never are).
    """
    objects = 0
    for index, text in enumerate(texts):
        manifests, errors = check_bytes(text, f"policy-{index}.yaml")
        assert not errors, errors[0]
        objects += len(manifests.declared)
    return objects


@dataclass(frozen=True, slots=True)
class ValidateRun:
    """One ``netsim validate -q`` process: its run, its CPU seconds, the rules it checked.

    ``cpu_seconds`` (user + system, interpreter start included) is the figure to
    compare on a shared machine, where wall time also counts other jobs' turns.
    """

    run: ProcessRun
    cpu_seconds: float
    rules: int

    @property
    def rules_per_second(self) -> float:
        """Rules validated per wall second, interpreter start included."""
        return self.rules / self.run.seconds if self.run.seconds else 0.0

    @property
    def rules_per_cpu_second(self) -> float:
        """Rules validated per CPU second of the process."""
        return self.rules / self.cpu_seconds if self.cpu_seconds else 0.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_validate_cli(folder: Path, rules: int) -> ValidateRun:
    """``netsim validate -q FOLDER`` in a fresh interpreter; ``rules`` in all its files."""
    command = [sys.executable, "-m", "netsim", "validate", "-q", str(folder)]
    before = _children_cpu()
    run = run_process(command)
    return ValidateRun(run, _children_cpu() - before, rules)


def main(argv: list[str]) -> int:
    """Write ``POLICIES`` files of ``RULES`` rules under ``OUT_DIR``, validate, print the rate."""
    if len(argv) != 3:
        print("usage: python -m netsim.bench.validation OUT_DIR POLICIES RULES", file=sys.stderr)
        return 2
    folder, policies, rules = Path(argv[0]), int(argv[1]), int(argv[2])
    write_rule_files(folder, policies, rules)
    result = run_validate_cli(folder, policies * rules)
    print(
        f"{policies} policies x {rules} rules: {result.run.seconds:.2f} s wall "
        f"({result.rules_per_second:,.0f} rules/s), {result.cpu_seconds:.2f} s CPU "
        f"({result.rules_per_cpu_second:,.0f} rules/s), peak RSS "
        f"{result.run.peak_rss_mib:.0f} MiB, exit {result.run.returncode}"
    )
    return 0 if result.run.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
