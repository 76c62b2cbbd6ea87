"""Kubernetes objects as frozen values, the Cluster that holds them, and loading/validation."""

from netsim.model.cluster import Change, Cluster
from netsim.model.labels import NAMESPACE_NAME_LABEL, Labels, LabelSelector, Requirement
from netsim.model.netpol import IPBlock, NetworkPolicy, PolicyPeer, PolicyPort, PolicyRule
from netsim.model.objects import ContainerPort, Namespace, Node, Pod, Service, ServicePort

__all__ = [
    "NAMESPACE_NAME_LABEL",
    "Change",
    "Cluster",
    "ContainerPort",
    "IPBlock",
    "LabelSelector",
    "Labels",
    "Namespace",
    "NetworkPolicy",
    "Node",
    "Pod",
    "PolicyPeer",
    "PolicyPort",
    "PolicyRule",
    "Requirement",
    "Service",
    "ServicePort",
]
