"""Insight: what a policy change does (``diff``) and what looks wrong in a policy set (``lint``).

Layered beside :mod:`netsim.scenario` and :mod:`netsim.bench`: it imports
``addr``, ``errors``, ``match``, ``model`` and ``policy`` only. Every verdict
comes from the policy engine (``netsim.policy``); nothing here re-decides a
Kubernetes rule.
"""
