"""Cross-check netsim against a real Linux dataplane (network namespaces + nftables).

``render`` turns policies (and Services, as kube-proxy) into the nftables rules a
CNI would write; ``compiled`` does the same from netsim's compiled tables (triage);
``harness`` builds the cluster as namespaces; ``probe`` opens real connections
between every pod pair from one process; ``verify`` compares what the kernel did
with netsim's verdicts; ``system`` holds the netns/nft plumbing and ``sctp`` the
raw SCTP packets. Nothing here runs outside namespaces this process creates.
"""
