"""Cluster DNS: the kube-dns Service and pod, their answers, and the pods' resolver.

The server answers like CoreDNS's ``kubernetes`` plugin for Services:
``<svc>.<ns>.svc.<domain>`` -> the ClusterIP (the endpoint pod IPs for a
headless Service), A for IPv4 and AAAA for IPv6 addresses; an existing name
without an address of the asked family is NOERROR with no answer (NODATA);
anything else in the cluster domain is NXDOMAIN. Names registered for
external hosts are answered as if forwarded upstream; all other names are
NXDOMAIN.

The client is glibc's stub resolver with the resolv.conf the kubelet writes
(``search <ns>.svc.<domain> svc.<domain> <domain>``, ``options ndots:5``,
``timeout:5 attempts:2``): a name with fewer than 5 dots is tried with each
search suffix first and then as is; A and AAAA go out together on one socket;
NXDOMAIN/NODATA move on to the next candidate; a timeout of both attempts
ends the lookup (glibc's res_search stops on TRY_AGAIN without SERVFAIL).
"""

from __future__ import annotations

from typing import Final

from netsim.addr import int_to_ip, ip_version
from netsim.model import Cluster, ContainerPort, Labels, Pod, Service, ServicePort
from netsim.sim.packet import QTYPE_A, QTYPE_AAAA, RCODE_NOERROR, RCODE_NXDOMAIN, DnsQuestion

DNS_NAMESPACE: Final = "kube-system"
DNS_SERVICE: Final = "kube-dns"
DNS_POD: Final = "coredns"
DNS_LABELS: Final = Labels.of({"k8s-app": "kube-dns"})
DNS_SERVICE_OFFSET: Final = 10
"""kubeadm gives kube-dns the 10th address of the Service CIDR (10.96.0.10 by default)."""
NDOTS: Final = 5
TIMEOUT: Final = 5.0
ATTEMPTS: Final = 2
TTL: Final = 30


def dns_objects(cluster: Cluster) -> tuple[Pod, Service]:
    """The CoreDNS pod and the kube-dns Service a kubeadm cluster has in kube-system."""
    pod = Pod(
        DNS_POD,
        DNS_NAMESPACE,
        labels=DNS_LABELS,
        container_ports=(
            ContainerPort(53, "UDP", "dns"),
            ContainerPort(53, "TCP", "dns-tcp"),
            ContainerPort(9153, "TCP", "metrics"),
        ),
        owner="Deployment/coredns",
        image="registry.k8s.io/coredns/coredns",
    )
    wanted = cluster.service_cidr.address(DNS_SERVICE_OFFSET)
    ip = int_to_ip(wanted, cluster.service_cidr.version)
    taken = {s.cluster_ip for s in cluster.services.values()}
    service = Service(
        DNS_SERVICE,
        DNS_NAMESPACE,
        ports=(
            ServicePort(53, "dns", "UDP", "dns"),
            ServicePort(53, "dns-tcp", "TCP", "dns-tcp"),
            ServicePort(9153, 9153, "TCP", "metrics"),
        ),
        selector=DNS_LABELS,
        cluster_ip="" if ip in taken else ip,
    )
    return pod, service


class ClusterDns:
    """The answers of the cluster's DNS server."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.external: dict[str, str] = {}

    def answer(self, question: DnsQuestion) -> tuple[int, list[str]]:
        """Return (rcode, addresses) for one question."""
        name = question.name.lower().rstrip(".")
        family = 4 if question.qtype == QTYPE_A else 6 if question.qtype == QTYPE_AAAA else 0
        addresses = self._lookup(name)
        if addresses is None:
            return RCODE_NXDOMAIN, []
        return RCODE_NOERROR, [a for a in addresses if family and ip_version(a) == family]

    def _lookup(self, name: str) -> list[str] | None:
        if name in self.external:
            return [self.external[name]]
        suffix = ".svc." + self.cluster.cluster_domain
        if not name.endswith(suffix):
            return None
        parts = name[: -len(suffix)].split(".")
        if len(parts) != 2:
            return None
        svc = self.cluster.services.get(f"{parts[1]}/{parts[0]}")
        if svc is None:
            return None
        if svc.cluster_ip == "None":
            return sorted(p.ip for p in self.cluster.endpoints(svc))
        return [svc.cluster_ip] if svc.cluster_ip else []


def search_path(namespace: str, domain: str) -> tuple[str, ...]:
    """The kubelet's ``search`` line for a pod in ``namespace`` (dnsPolicy ClusterFirst)."""
    return (f"{namespace}.svc.{domain}", f"svc.{domain}", domain)


def candidates(name: str, search: tuple[str, ...]) -> list[str]:
    """The names glibc tries for ``name``, in order (ndots:5)."""
    if name.endswith("."):
        return [name.rstrip(".")]
    with_search = [f"{name}.{suffix}" for suffix in search]
    if name.count(".") >= NDOTS:
        return [name, *with_search]
    return [*with_search, name]
