"""netsim: a deterministic, packet-level simulator of Kubernetes NetworkPolicy."""

__version__ = "0.1.0"
