"""Cross-check netsim against a real Linux dataplane (network namespaces + nftables).

``render`` turns policies into the nftables rules a CNI would write; ``harness``
builds the cluster as namespaces; ``probe`` opens real connections between
every pod pair; ``verify`` compares what the kernel did with netsim's verdicts.
Nothing here runs outside namespaces this process creates.
"""
