"""kubectl emulation: what each command does to the cluster and what kubectl prints."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from netsim.errors import ScenarioError
from netsim.model.cluster import Cluster
from netsim.model.objects import Namespace, Service, ServicePort
from netsim.scenario.kubectl import (
    Kubectl,
    KubectlResult,
    Session,
    fnv32a,
    short_duration,
    tabulate,
)

POLICY = """\
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata:
  name: access-nginx
spec:
  podSelector:
    matchLabels:
      run: nginx
  ingress:
  - from:
    - podSelector:
        matchLabels:
          access: "true"
"""


class Harness:
    """A cluster as kubeadm leaves it, kubectl on it, a clock and a recorded exec."""

    def __init__(self, base: Path) -> None:
        self.cluster = Cluster()
        for name in ("default", "kube-system"):
            self.cluster.add(Namespace(name))
        self.cluster.add(Service("kubernetes", "default", (ServicePort(443, 6443),)))
        self.time = 0.0
        self.cni: list[str] = []
        self.execs: list[tuple[str, str]] = []
        self.exec_result = ("Connecting to web (10.100.0.2:80)", 0)
        self.kubectl = Kubectl(
            self.cluster,
            clock=lambda: self.time,
            rng=random.Random(1),
            base_dir=base,
            exec_fn=self._exec,
            install_cni=self.cni.append,
            cluster_ips={"default/pinned": "10.100.0.16"},
        )

    def _exec(self, pod: str, command: str) -> tuple[str, int]:
        self.execs.append((pod, command))
        return self.exec_result

    def run(self, line: str) -> KubectlResult:
        return self.kubectl.run(line, "x.yaml: steps[0].kubectl")


@pytest.fixture
def k(tmp_path: Path) -> Harness:
    (tmp_path / "policy.yaml").write_text(POLICY, encoding="utf-8")
    return Harness(tmp_path)


def test_run_creates_a_deployment_as_the_seeds_kubectl(k: Harness) -> None:
    assert k.run("run nginx --image=nginx --replicas=2") == KubectlResult(
        'deployment "nginx" created'
    )
    pods = k.cluster.pods_in("default")
    assert len(pods) == 2
    template_hash = pods[0].labels.get("pod-template-hash")
    assert all(p.name.startswith(f"nginx-{template_hash}-") for p in pods)
    assert all(p.labels.get("run") == "nginx" for p in pods)
    assert all(p.owner == "Deployment/nginx" and p.image == "nginx" for p in pods)


def test_run_with_labels_and_expose_creates_the_service_first(k: Harness) -> None:
    result = k.run("run web --image=nginx --labels app=web,env=prod --expose --port 80")
    assert result.output == 'service "web" created\ndeployment "web" created'
    service = k.cluster.service("default/web")
    assert dict(service.selector or ()) == {"app": "web", "env": "prod"}
    assert service.ports[0].port == 80 and service.ports[0].target_port == 80
    (pod,) = k.cluster.pods_in("default")
    assert "run" not in pod.labels
    assert [cp.port for cp in pod.container_ports] == [80]


def test_run_expose_without_port_is_refused(k: Harness) -> None:
    result = k.run("run web --image=nginx --expose")
    assert result.exit_code == 1
    assert "--port must be set when exposing a service" in result.output


def test_run_restart_never_makes_a_bare_pod(k: Harness) -> None:
    assert k.run("run client --image=busybox --restart=Never").output == 'pod "client" created'
    assert "default/client" in k.cluster.pods


def test_run_in_a_missing_namespace_is_not_found(k: Harness) -> None:
    result = k.run("run web --image=nginx --namespace=nowhere")
    assert result == KubectlResult(
        'Error from server (NotFound): namespaces "nowhere" not found', 1
    )


def test_expose_deployment_uses_its_selector_and_target_port(k: Harness) -> None:
    k.run("run nginx --image=nginx --replicas=2")
    assert k.run("expose deployment nginx --port=80 --target-port=8080").output == (
        'service "nginx" exposed'
    )
    service = k.cluster.service("default/nginx")
    assert dict(service.selector or ()) == {"run": "nginx"}
    assert (service.ports[0].port, service.ports[0].target_port) == (80, 8080)
    assert len(k.cluster.endpoints(service)) == 2


def test_expose_takes_the_port_from_the_deployment(k: Harness) -> None:
    k.run("run web --image=nginx --labels=app=web --port 80")
    assert k.run("expose deployment/web --type=LoadBalancer").output == 'service "web" exposed'
    service = k.cluster.service("default/web")
    assert service.type == "LoadBalancer"
    node_port = service.ports[0].node_port
    assert node_port is not None and 30000 <= node_port <= 32767


def test_expose_without_any_port_is_refused(k: Harness) -> None:
    k.run("run web --image=nginx")
    result = k.run("expose deployment web")
    assert result.exit_code == 1
    assert "couldn't find port via --port flag or introspection" in result.output


def test_pinned_cluster_ip(k: Harness) -> None:
    k.run("run pinned --image=nginx --port=80 --expose")
    assert k.cluster.service("default/pinned").cluster_ip == "10.100.0.16"


def test_create_apply_delete_file(k: Harness) -> None:
    assert k.run("create -f policy.yaml").output == 'networkpolicy "access-nginx" created'
    again = k.run("create -f policy.yaml")
    assert again.exit_code == 1
    assert 'networkpolicies.networking.k8s.io "access-nginx" already exists' in again.output
    assert k.run("apply -f policy.yaml").output == 'networkpolicy "access-nginx" unchanged'
    assert k.run("delete -f policy.yaml").output == 'networkpolicy "access-nginx" deleted'
    assert "default/access-nginx" not in k.cluster.policies
    missing = k.run("delete -f policy.yaml")
    assert missing.exit_code == 1 and "not found" in missing.output


def test_apply_changed_policy_is_configured(k: Harness, tmp_path: Path) -> None:
    k.run("apply -f policy.yaml")
    (tmp_path / "policy.yaml").write_text(POLICY.replace('"true"', '"yes"'), encoding="utf-8")
    assert k.run("apply -f policy.yaml").output == 'networkpolicy "access-nginx" configured'
    peer = k.cluster.policies["default/access-nginx"].ingress[0].peers[0]
    assert peer.pod_selector is not None
    assert peer.pod_selector.match_labels == (("access", "yes"),)


def test_invalid_manifest_is_refused_in_the_apiservers_words(k: Harness, tmp_path: Path) -> None:
    text = POLICY.replace("  - from:", "  - ports:\n    - protocol: tcp\n      port: 80\n    from:")
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    result = k.run("create -f bad.yaml")
    assert result.exit_code == 1
    assert result.output.startswith('The NetworkPolicy "access-nginx" is invalid: ')
    assert 'spec.ingress[0].ports[0].protocol: Unsupported value: "tcp"' in result.output
    assert not k.cluster.policies


def test_policy_in_a_missing_namespace_is_not_found(k: Harness, tmp_path: Path) -> None:
    text = POLICY.replace("  name: access-nginx", "  name: access-nginx\n  namespace: sock-shop")
    (tmp_path / "ns.yaml").write_text(text, encoding="utf-8")
    result = k.run("create -f ns.yaml")
    assert result == KubectlResult(
        'Error from server (NotFound): error when creating "ns.yaml": '
        'namespaces "sock-shop" not found',
        1,
    )
    assert k.run("create namespace sock-shop").output == 'namespace "sock-shop" created'
    assert k.run("create -f ns.yaml").exit_code == 0
    assert "sock-shop/access-nginx" in k.cluster.policies


def test_missing_file(k: Harness) -> None:
    result = k.run("apply -f nowhere.yaml")
    assert result == KubectlResult('error: the path "nowhere.yaml" does not exist', 1)


def test_calico_url_installs_an_enforcing_cni(k: Harness) -> None:
    url = "https://docs.projectcalico.org/v3.0/getting-started/kubernetes/installation/hosted/kubeadm/1.7/calico.yaml"
    result = k.run(f"apply -f {url}")
    assert k.cni == ["calico"]
    assert 'daemonset "calico-node" created' in result.output.splitlines()


def test_other_urls_are_not_fetched(k: Harness) -> None:
    with pytest.raises(ScenarioError, match="no network access"):
        k.run("apply -f https://example.com/weave.yaml")


def test_label_pod_and_namespace(k: Harness) -> None:
    k.run("run client --image=busybox --restart=Never")
    assert k.run("label pod client access=true").output == 'pod "client" labeled'
    assert k.cluster.pod("default/client").labels.get("access") == "true"
    refused = k.run("label pod client access=false")
    assert refused.exit_code == 1
    assert "'access' already has a value (true), and --overwrite is false" in refused.output
    assert k.run("label pod client access=false --overwrite").exit_code == 0
    assert k.run("label pod client access-").exit_code == 0
    assert "access" not in k.cluster.pod("default/client").labels
    assert k.run("label ns/default team=a").output == 'namespace "default" labeled'
    labels = k.cluster.namespaces["default"].labels
    assert labels.get("team") == "a"
    assert labels.get("kubernetes.io/metadata.name") == "default"


def test_get_svc_pod_aligns_columns_across_both_tables(k: Harness) -> None:
    k.run("run nginx --image=nginx --replicas=2")
    k.run("expose deployment nginx --port=80")
    k.time = 33.0
    output = k.run("get svc,pod").output
    lines = output.splitlines()
    assert lines[0].split() == ["NAME", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert lines[1].split() == ["svc/kubernetes", "10.100.0.1", "<none>", "443/TCP", "46m"]
    assert lines[2].split()[0] == "svc/nginx"
    assert lines[3] == ""
    assert lines[4].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert lines[5].split()[1:] == ["1/1", "Running", "0", "33s"]
    # One tabwriter for both tables: the second column starts at the same place.
    assert lines[0].index("CLUSTER-IP") == lines[4].index("READY")


def test_tabulate_is_go_tabwriter_with_min_width_10_and_padding_3() -> None:
    table = [["NAME", "POD-SELECTOR", "AGE"], ["default-deny", "<none>", "5s"]]
    assert tabulate([table]) == (
        "NAME           POD-SELECTOR   AGE\ndefault-deny   <none>         5s"
    )
    assert tabulate([[["A", "B"], ["x", "y"]]]) == "A         B\nx         y"


def test_short_duration_as_kubectl_ages() -> None:
    assert [short_duration(s) for s in (0, 33, 59, 60, 46 * 60, 7200, 3 * 86400, 800 * 86400)] == [
        "0s",
        "33s",
        "59s",
        "1m",
        "46m",
        "2h",
        "3d",
        "2y",
    ]


def test_get_empty_and_unknown(k: Harness) -> None:
    assert k.run("get netpol").output == "No resources found."
    with pytest.raises(ScenarioError, match=r"steps\[0\]\.kubectl"):
        k.run("get configmaps")
    missing = k.run("get pod nosuch")
    assert missing == KubectlResult('Error from server (NotFound): pods "nosuch" not found', 1)


def test_get_all_namespaces_adds_the_namespace_column(k: Harness) -> None:
    k.run("create -f policy.yaml")
    lines = k.run("get netpol --all-namespaces").output.splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "POD-SELECTOR", "AGE"]
    assert lines[1].split()[:3] == ["default", "access-nginx", "run=nginx"]


def test_describe_networkpolicy_as_kubectl_describes_it(k: Harness) -> None:
    k.run("create -f policy.yaml")
    assert k.run("describe networkpolicy access-nginx").output == (
        "Name:         access-nginx\n"
        "Namespace:    default\n"
        "Created on:   2018-03-01 00:00:00 +0000 UTC\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "Spec:\n"
        "  PodSelector:     run=nginx\n"
        "  Allowing ingress traffic:\n"
        "    To Port: <any> (traffic allowed to all ports)\n"
        "    From:\n"
        "      PodSelector: access=true\n"
        "  Not affecting egress traffic\n"
        "  Policy Types: Ingress"
    )


def test_describe_ipblock_egress_and_rule_separator(k: Harness, tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}}]
  - ports: [{protocol: UDP, port: 53}]
  egress: []
""",
        encoding="utf-8",
    )
    k.run("create -f p.yaml")
    text = k.run("describe netpol p").output
    assert (
        "  PodSelector:     <none> (Allowing the specific traffic to all pods in this namespace)\n"
        "  Allowing ingress traffic:\n"
        "    To Port: <any> (traffic allowed to all ports)\n"
        "    From:\n"
        "      IPBlock:\n"
        "        CIDR: 172.17.0.0/16\n"
        "        Except: 172.17.1.0/24\n"
        "    ----------\n"
        "    To Port: 53/UDP\n"
        "    From: <any> (traffic not restricted by source)\n"
        "  Allowing egress traffic:\n"
        "    <none> (Selected pods are isolated for egress connectivity)\n"
        "  Policy Types: Ingress, Egress"
    ) in text


def test_exec_runs_in_the_pod_and_reports_failure(k: Harness) -> None:
    k.run("run client --image=busybox --restart=Never")
    assert k.run("exec client -- wget --spider --timeout=1 web").exit_code == 0
    assert k.execs == [("default/client", "wget --spider --timeout=1 web")]
    k.exec_result = ("Connecting to web (10.100.0.2:80)\nwget: download timed out", 1)
    result = k.run("exec client -- wget --spider --timeout=1 web")
    assert result.exit_code == 1
    assert result.output.endswith("wget: download timed out\ncommand terminated with exit code 1")
    missing = k.run("exec nosuch -- true")
    assert missing == KubectlResult('Error from server (NotFound): pods "nosuch" not found', 1)


def test_exec_on_a_deployment_picks_its_first_pod(k: Harness) -> None:
    k.run("run web --image=nginx --replicas=2")
    k.run("exec deployment/web -- wget -q -O- localhost")
    first = k.cluster.pods_in("default")[0]
    assert k.execs == [(first.key, "wget -q -O- localhost")]


def test_session_banner_and_cleanup(k: Harness) -> None:
    session = k.kubectl.open_session("kubectl run busybox --rm -ti --image=busybox /bin/sh", "w")
    assert isinstance(session, Session)
    pod = k.cluster.pod(session.pod)
    assert pod.labels.get("run") == "busybox"
    assert session.banner[0] == (
        f"Waiting for pod {pod.key} to be running, status is Pending, pod ready: false"
    )
    assert session.banner[2] == "Hit enter for command prompt"
    closing = k.kubectl.close_session(session)
    assert closing[-1] == 'deployment "busybox" deleted'
    assert session.pod not in k.cluster.pods


def test_session_needs_tty_and_stdin(k: Harness) -> None:
    with pytest.raises(ScenarioError, match="-ti"):
        k.kubectl.open_session("run busybox --rm --image=busybox /bin/sh", "w")
    with pytest.raises(ScenarioError, match="shell: step"):
        k.run("run busybox --rm -ti --image=busybox /bin/sh")


def test_unsupported_commands_and_flags_name_the_step(k: Harness) -> None:
    with pytest.raises(
        ScenarioError, match=r"x\.yaml: steps\[0\]\.kubectl: unsupported kubectl command: rollout"
    ):
        k.run("rollout restart deployment web")
    with pytest.raises(ScenarioError, match="unsupported kubectl flag: --dry-run"):
        k.run("run web --image=nginx --dry-run")


def test_pod_names_are_seeded() -> None:
    def names(seed: int) -> list[str]:
        cluster = Cluster()
        cluster.add(Namespace("default"))
        kubectl = Kubectl(
            cluster,
            clock=lambda: 0.0,
            rng=random.Random(seed),
            base_dir=Path("."),
            exec_fn=lambda p, c: ("", 0),
            install_cni=lambda c: None,
        )
        kubectl.run("run nginx --image=nginx --replicas=3")
        return sorted(cluster.pods)

    assert names(1) == names(1)
    assert names(1) != names(2)


def test_fnv32a_known_values() -> None:
    # Reference values of the 32-bit FNV-1a hash (IETF draft-eastlake-fnv test vectors).
    assert fnv32a("") == 0x811C9DC5
    assert fnv32a("a") == 0xE40C292C
    assert fnv32a("foobar") == 0xBF9CF968


def _fill_node_ports(k: Harness, free: int) -> None:
    """Services holding every NodePort of 30000-32767 but the last ``free`` ones."""
    for node_port in range(30000, 32768 - free):
        k.cluster.add(
            Service(
                f"np-{node_port}",
                "default",
                (ServicePort(80, 80, node_port=node_port),),
                type="NodePort",
            )
        )


def test_expose_nodeport_takes_the_last_free_port_then_the_range_is_full(k: Harness) -> None:
    # 2,768 ports in the apiserver's default range; with one left, expose takes it,
    # and the next NodePort Service gets the allocator's ErrFull as an InternalError
    # (kubernetes pkg/registry/core/service/storage/alloc.go).
    _fill_node_ports(k, free=1)
    k.run("run web --image=nginx --port 80")
    assert k.run("expose deployment web --type=NodePort").output == 'service "web" exposed'
    assert k.cluster.service("default/web").ports[0].node_port == 32767
    result = k.run("expose deployment web --type=NodePort --name=web2")
    assert result == KubectlResult(
        "Error from server (InternalError): Internal error occurred: "
        "failed to allocate a nodePort: range is full",
        1,
    )
    assert "default/web2" not in k.cluster.services
    # A deleted Service gives its NodePort back to the range.
    assert k.run("delete svc web").exit_code == 0
    assert k.run("expose deployment web --type=NodePort --name=web2").exit_code == 0
    assert k.cluster.service("default/web2").ports[0].node_port == 32767


def test_expose_loadbalancer_needs_a_node_port_too(k: Harness) -> None:
    _fill_node_ports(k, free=0)
    k.run("run web --image=nginx --port 80")
    result = k.run("expose deployment web --type=LoadBalancer")
    assert result.exit_code == 1
    assert result.output.endswith("failed to allocate a nodePort: range is full")
    assert k.run("expose deployment web --type=ClusterIP").exit_code == 0
