"""``netsim validate`` in rules per second, at two sizes: the rate must stay flat (issue 13).

The input is :func:`netsim.bench.validation.rule_policy_text`: NetworkPolicies in
block style, each ingress rule one ``from`` peer with a podSelector and a
namespaceSelector and one ``ports`` entry. ``test_validate_in_process`` times the
loader and validator (``check_bytes``, ``netsim validate``'s work per file) on 20
and 100 policies of 1,000 rules; ``test_validate_cli`` runs ``netsim validate -q``
in a fresh process on 100 policies of 1,000 rules and records its peak RSS. Each
records ``rules_per_second`` (wall) and ``rules_per_cpu_second`` in ``extra_info``: on a
shared machine the CPU figure is the one to compare.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from netsim_bench_support import mean_seconds

from netsim.bench.validation import (
    rule_policy_text,
    run_validate_cli,
    validate_texts,
    write_rule_files,
)

RULES = 1_000


@pytest.mark.parametrize("policies", [20, 100])
def test_validate_in_process(benchmark: Any, policies: int) -> None:
    """``check_bytes`` on ``policies`` files of 1,000 rules each."""
    benchmark.group = "validate, rules per second"
    texts = [rule_policy_text(i, RULES) for i in range(policies)]
    start = time.process_time()
    found = benchmark.pedantic(
        validate_texts, args=(texts,), rounds=1, iterations=1, warmup_rounds=0
    )
    cpu = time.process_time() - start
    assert found == policies
    seconds = mean_seconds(benchmark)
    if seconds is not None:
        benchmark.extra_info.update(
            rules_per_second=round(policies * RULES / seconds),
            rules_per_cpu_second=round(policies * RULES / cpu),
        )


def test_validate_cli(benchmark: Any, tmp_path: Path) -> None:
    """``netsim validate -q`` on 100 files of 1,000 rules: wall time and peak RSS."""
    benchmark.group = "validate, rules per second"
    policies = 100
    write_rule_files(tmp_path, policies, RULES)
    runs = []

    def run() -> None:
        result = run_validate_cli(tmp_path, policies * RULES)
        assert result.run.returncode == 0
        runs.append(result)

    benchmark.pedantic(run, rounds=1, iterations=1, warmup_rounds=0)
    benchmark.extra_info.update(
        rules_per_second=round(runs[-1].rules_per_second),
        rules_per_cpu_second=round(runs[-1].rules_per_cpu_second),
        peak_rss_mib=round(runs[-1].run.peak_rss_mib),
    )
