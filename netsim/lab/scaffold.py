"""``netsim lab new ID [--from SCENARIO]``: a lab folder a teacher fills in.

Without ``--from`` the scaffold is a complete small lab (a web pod behind a default
deny; the task is to let the client in) that ``netsim lab test`` passes at once, so
the teacher edits from something that works. With ``--from`` the cluster and the
setup come from a scenario file (its kubectl and manifest steps; manifest files are
copied into ``setup/``), and the checks, solution and wrong answer are left for the
teacher to write (``lab test`` says what is missing).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from netsim.errors import NetsimError
from netsim.lab.answer import read_text
from netsim.lab.schema import API_VERSION, LabError
from netsim.model.load import parse_yaml_text
from netsim.model.validate import is_dns1123_label
from netsim.model.yamlsafe import dump_yaml_text
from netsim.scenario.load import load_scenario

CLUSTER = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  containers:
    - name: web
      image: nginx
      ports: [{containerPort: 80, name: http}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default, labels: {role: client}}
spec:
  containers: [{name: client, image: busybox}]
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: default, labels: {role: other}}
spec:
  containers: [{name: other, image: busybox}]
"""

DEFAULT_DENY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: default}
spec:
  podSelector: {}
  policyTypes: [Ingress]
"""

SOLUTION = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-client, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from: [{podSelector: {matchLabels: {role: client}}}]
      ports: [{port: 80, protocol: TCP}]
"""

STARTER = """\
# Write your NetworkPolicy here.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-client, namespace: default}
spec:
  podSelector: {}
  ingress: []
"""

WRONG = """\
# Every pod of default may reach web: the from peer selects all of them.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-client, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from: [{podSelector: {}}]
      ports: [{port: 80, protocol: TCP}]
"""


def _lab_doc(name: str, cluster: Any, setup: list[Any], example: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "Lab",
        "metadata": {
            "name": name,
            "title": "TODO: a short title",
            "difficulty": 5,
            "minutes": 15,
            "misconceptions": [],
        },
        "cluster": cluster,
        "setup": setup,
        "task": "TODO: what the learner must do, the pods and namespaces involved.\n",
        "submission": {"type": "manifest", "file": "answer.yaml", "kinds": ["NetworkPolicy"]},
        "starter": "starter/answer.yaml",
        "checks": [],
        "hints": ["TODO: a first hint"],
        "solution": "solution.yaml",
        "wrong": [],
    }
    if example:
        doc["metadata"]["title"] = "Let the client reach web"
        doc["metadata"]["misconceptions"] = ["empty-vs-absent"]
        doc["task"] = (
            "Namespace default runs web (app=web, port 80), client (role=client) and\n"
            "other (role=other); default-deny isolates every pod for ingress.\n"
            "Let client reach web on TCP 80, and nothing else reach web.\n"
        )
        doc["checks"] = [
            {
                "id": "client-allowed",
                "reach": {"from": "default/client", "to": "default/web", "port": 80},
                "expect": "allow",
                "points": 2,
            },
            {
                "id": "other-denied",
                "reach": {"from": "default/other", "to": "default/web", "port": 80},
                "expect": "deny",
            },
            {
                "id": "only-web-opened",
                "description": "the policy opens web, not the other pods",
                "reach": {"from": "default/client", "to": "default/other", "port": 80},
                "expect": "deny",
            },
            {
                "id": "nothing-else",
                "forbid": {
                    "from": "*",
                    "to": "default/web",
                    "except": [{"from": "default/client", "protocol": "TCP", "port": 80}],
                },
                "points": 2,
            },
        ]
        doc["hints"] = ["`podSelector: {}` in a peer selects every pod of the namespace."]
        doc["wrong"] = [
            {
                "file": "wrong/all-pods.yaml",
                "fails": ["nothing-else", "other-denied"],
                "note": "an empty podSelector peer admits every pod",
            }
        ]
    return doc


_FILE_FLAG = re.compile(r"(-f\s+|--filename[=\s]+)(\S+)")


def _copy(source: Path, folder: Path) -> str:
    """Copy a scenario's manifest file into the lab's ``setup/``; return its new name."""
    if not source.is_file():
        return str(source)
    target = Path("setup") / source.name
    (folder / "setup").mkdir(exist_ok=True)
    shutil.copyfile(source, folder / target)
    return str(target)


def _from_scenario(path: str, folder: Path) -> tuple[Any, list[Any]]:
    """The scenario's raw ``cluster:`` and its kubectl/manifest steps, files copied in."""
    scenario = load_scenario(path)  # validates; errors name the scenario's fields
    raw = parse_yaml_text(read_text(Path(path), path), path)[0]
    assert isinstance(raw, dict)
    setup: list[Any] = []
    for step in raw.get("steps", []):
        if not isinstance(step, dict):
            continue
        kept = {k: v for k, v in step.items() if k in ("kubectl", "create", "apply", "delete")}
        if len(kept) != 1:
            continue
        ((verb, value),) = kept.items()
        if verb != "kubectl" and isinstance(value, str):
            value = _copy(scenario.base_dir / value, folder)
        elif verb == "kubectl" and isinstance(value, str):
            value = _FILE_FLAG.sub(
                lambda m: m.group(1) + _copy(scenario.base_dir / m.group(2), folder), value
            )
        setup.append({verb: value})
    return raw.get("cluster", {"nodes": 2, "cni": "calico"}), setup


def scaffold(name: str, parent: Path, *, scenario: str | None = None) -> Path:
    """Write ``parent/name/`` (lab.yaml, starter, solution, wrong/); return the folder."""
    problems = is_dns1123_label(name)
    if problems:
        raise LabError(f'lab id "{name}": {problems[0]}')
    folder = parent / name
    if folder.exists():
        raise LabError(f"{folder}: already exists")
    try:
        (folder / "starter").mkdir(parents=True)
        (folder / "wrong").mkdir()
        if scenario is None:
            (folder / "setup").mkdir()
            (folder / "cluster.yaml").write_text(CLUSTER, encoding="utf-8")
            (folder / "setup" / "default-deny.yaml").write_text(DEFAULT_DENY, encoding="utf-8")
            (folder / "wrong" / "all-pods.yaml").write_text(WRONG, encoding="utf-8")
            cluster: Any = {"nodes": 2, "cni": "calico"}
            setup: list[Any] = [{"create": "cluster.yaml"}, {"create": "setup/default-deny.yaml"}]
        else:
            cluster, setup = _from_scenario(scenario, folder)
        (folder / "starter" / "answer.yaml").write_text(STARTER, encoding="utf-8")
        (folder / "solution.yaml").write_text(
            SOLUTION if scenario is None else "# TODO: the teacher's solution\n", encoding="utf-8"
        )
        doc = _lab_doc(name, cluster, setup, scenario is None)
        text = dump_yaml_text(doc, default_flow_style=False, width=96)
        (folder / "lab.yaml").write_text(text, encoding="utf-8")
    except OSError as exc:
        raise NetsimError(f"{folder}: cannot write: {exc.strerror or exc}") from None
    return folder
