"""Teaching labs: a task on a simulated cluster, graded by behaviour.

A lab is a folder ``<id>/`` with ``lab.yaml`` (format: ``netsim/labs/README.md``):

- :mod:`netsim.lab.schema` reads ``lab.yaml`` into frozen values (:class:`~netsim.lab.schema.Lab`);
- :mod:`netsim.lab.catalog` finds the shipped labs and labs given as folders;
- :mod:`netsim.lab.answer` validates a learner's answer (field paths and lines);
- :mod:`netsim.lab.flows` picks the representative flows that make ``forbid`` exact;
- :mod:`netsim.lab.checks` runs one check on a live cluster;
- :mod:`netsim.lab.grade` grades an answer; :mod:`netsim.lab.report` renders the result;
- :mod:`netsim.lab.selftest` is ``netsim lab test`` (solution, starter, wrong answers,
  mutation audit); :mod:`netsim.lab.scaffold` is ``netsim lab new``.

Import submodules directly: this package imports nothing itself.
"""
