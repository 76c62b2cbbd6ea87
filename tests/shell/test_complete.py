"""Tab completion offers what exists now: verbs, kinds, names, label keys, flags, files."""

from __future__ import annotations

from netsim.shell.complete import completions
from netsim.shell.session import ShellSession


def test_host_commands_and_verbs(shell: ShellSession) -> None:
    assert "kubectl" in completions(shell, "")
    assert completions(shell, "kub") == ["kubectl"]
    assert completions(shell, "kubectl ge") == ["get"]
    assert completions(shell, "kubectl de") == ["delete", "describe"]


def test_kinds_and_live_object_names(shell: ShellSession) -> None:
    assert "netpol" in completions(shell, "kubectl get ")
    assert completions(shell, "kubectl get po") == ["pods"]
    assert completions(shell, "kubectl get netpol ") == []
    shell.run_line("kubectl create -f default-deny.yaml")
    assert completions(shell, "kubectl get netpol ") == ["default-deny"]
    assert completions(shell, "kubectl describe netpol def") == ["default-deny"]
    shell.run_line("kubectl run web --image=nginx --restart=Never --labels=app=web,tier=front")
    assert completions(shell, "kubectl label pod ") == ["web"]
    assert completions(shell, "kubectl exec ") == ["web"]
    assert completions(shell, "kubectl get pods -n ") == ["default", "kube-public", "kube-system"]
    assert "coredns" in completions(shell, "kubectl get pods -n kube-system ")


def test_label_keys_flags_and_files(shell: ShellSession) -> None:
    shell.run_line("kubectl run web --image=nginx --restart=Never --labels=app=web,tier=front")
    assert "tier=" in completions(shell, "kubectl label pod web ")
    assert "app=" in completions(shell, "kubectl get pods -l ")
    assert "--show-labels" in completions(shell, "kubectl get pods --")
    assert "--overwrite" in completions(shell, "kubectl label pod web --")
    assert completions(shell, "kubectl create -f def") == ["default-deny.yaml"]
    assert completions(shell, "cat ng") == ["nginx-policy.yaml"]


def test_pod_prompt_offers_applets_services_and_pod_ips(shell: ShellSession) -> None:
    shell.run_line("kubectl run nginx --image=nginx --replicas=2")
    shell.run_line("kubectl expose deployment nginx --port=80")
    shell.run_line("kubectl run box --rm -ti --image=busybox -- /bin/sh")
    assert "wget" in completions(shell, "")
    assert completions(shell, "nsl") == ["nslookup"]
    hosts = completions(shell, "wget --spider --timeout=1 ")
    assert "nginx" in hosts
    assert "nginx.default.svc.cluster.local" in hosts
    assert "kube-dns.kube-system" in hosts
    nginx_ips = sorted(p.ip for k, p in shell.runner.cluster.pods.items() if "nginx" in k)
    assert set(nginx_ips) <= set(hosts)
    assert completions(shell, "wget --spider --timeout=1 ngi") == [
        "nginx",
        "nginx.default",
        "nginx.default.svc.cluster.local",
    ]
    assert completions(shell, "cat /etc/res") == ["/etc/resolv.conf"]
