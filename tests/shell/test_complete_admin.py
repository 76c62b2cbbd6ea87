"""Tab completion knows the network-policy-api kinds (anp, banp, cnp) and their live names."""

from __future__ import annotations

from pathlib import Path

from netsim.shell.complete import completions
from netsim.shell.session import ShellSession

POLICIES = """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: protect-vault
spec:
  priority: 10
  subject:
    namespaces: {}
  egress:
  - action: Pass
    to:
    - namespaces: {}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: pass-dns
spec:
  priority: 20
  subject:
    namespaces: {}
  egress:
  - action: Pass
    to:
    - namespaces: {}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata:
  name: default
spec:
  subject:
    namespaces: {}
  ingress:
  - action: Deny
    from:
    - namespaces: {}
"""


def test_kinds_offered_after_get_describe_delete(shell: ShellSession) -> None:
    for verb in ("get", "describe", "delete"):
        offered = completions(shell, f"kubectl {verb} ")
        assert {"anp", "banp", "cnp"} <= set(offered), verb
    assert completions(shell, "kubectl get an") == ["anp"]
    assert completions(shell, "kubectl get cn") == ["cnp"]


def test_names_of_the_policies_that_exist_now(shell: ShellSession, workdir: Path) -> None:
    assert completions(shell, "kubectl get anp ") == []
    (workdir / "admin.yaml").write_text(POLICIES, encoding="utf-8")
    shell.run_line("kubectl create -f admin.yaml")
    assert completions(shell, "kubectl get anp ") == ["pass-dns", "protect-vault"]
    assert completions(shell, "kubectl describe adminnetworkpolicies pro") == ["protect-vault"]
    assert completions(shell, "kubectl get banp ") == ["default"]
    assert completions(shell, "kubectl get cnp ") == []
    # Cluster-scoped: -n does not narrow them.
    assert completions(shell, "kubectl delete anp -n kube-system ") == ["pass-dns", "protect-vault"]
    shell.run_line("kubectl delete anp pass-dns")
    assert completions(shell, "kubectl delete anp ") == ["protect-vault"]


def test_the_shell_lists_describes_and_deletes_them(shell: ShellSession, workdir: Path) -> None:
    (workdir / "admin.yaml").write_text(POLICIES, encoding="utf-8")
    created = shell.run_line("kubectl create -f admin.yaml")
    assert created.output == (
        'adminnetworkpolicy "protect-vault" created\n'
        'adminnetworkpolicy "pass-dns" created\n'
        'baselineadminnetworkpolicy "default" created'
    )
    # Rows in name order (not priority order), as kubectl lists them.
    assert shell.run_line("kubectl get anp,banp").output == (
        "NAME                PRIORITY   AGE\n"
        "anp/pass-dns        20         0s\n"
        "anp/protect-vault   10         0s\n"
        "\n"
        "NAME                AGE\n"
        "banp/default        0s"
    )
    described = shell.run_line("kubectl describe banp default")
    assert described.exit_code == 0
    assert "Kind:         BaselineAdminNetworkPolicy" in described.output
    deleted = shell.run_line("kubectl delete anp protect-vault")
    assert deleted.output == 'adminnetworkpolicy "protect-vault" deleted'
    missing = shell.run_line("kubectl get cnp nope")
    assert missing.exit_code == 1
    assert 'clusternetworkpolicies.policy.networking.k8s.io "nope" not found' in missing.output
