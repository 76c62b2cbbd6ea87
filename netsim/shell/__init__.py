"""``netsim shell``: type the walkthrough at a prompt, on a simulated cluster.

- :mod:`netsim.shell.session` turns each typed line into the scenario runner's step;
- :mod:`netsim.shell.builtins` the ``netsim reach|explain|why|pcap|reset`` commands;
- :mod:`netsim.shell.files` ``ls``, ``cat``, ``history``;
- :mod:`netsim.shell.complete` tab completion from the live cluster;
- :mod:`netsim.shell.export` a session as a scenario file;
- :mod:`netsim.shell.terminal` the loops: a terminal (prompt_toolkit) or piped lines.
"""
