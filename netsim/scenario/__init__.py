"""Scenario files: replay kubectl walkthroughs on a simulated cluster and check them.

- :func:`netsim.scenario.load.load_scenario` reads and validates a scenario file
  (:mod:`netsim.scenario.schema` holds the format and its field-path errors);
- :func:`netsim.scenario.runner.run_scenario` replays it on a cluster and the
  packet simulator and returns a :class:`netsim.scenario.transcript.ScenarioResult`
  (transcript, summary, JSON record, checks);
- :class:`netsim.scenario.kubectl.Kubectl` is the kubectl emulation.

The format is documented in ``scenarios/README.md``. Import submodules directly:
this package imports nothing itself, so ``netsim --help`` stays fast.
"""
