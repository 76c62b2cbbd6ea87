"""ShellSession: typed lines become scenario steps, with kubectl's and busybox's own texts."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netsim.shell.session import HOST_PROMPT, ShellSession

from .helpers import WALKTHROUGH, bare_scenario


def run_all(shell: ShellSession, text: str) -> list[str]:
    lines: list[str] = []
    for line in text.splitlines():
        lines += shell.run_line(line).lines
    return lines


def test_the_walkthrough_prints_what_it_shows(shell: ShellSession) -> None:
    transcript = "\n".join(run_all(shell, WALKTHROUGH))
    waits = transcript.split("/ # wget --spider --timeout=1 nginx\n")[1:]
    assert len(waits) == 4
    # open cluster, then default-deny, then access-nginx without and with access=true
    assert waits[0].startswith("Connecting to nginx (10.100.0.16:80)\nremote file exists")
    assert waits[1].startswith("Connecting to nginx (10.100.0.16:80)\nwget: download timed out")
    assert waits[2].startswith("Connecting to nginx (10.100.0.16:80)\nwget: download timed out")
    assert waits[3].startswith("Connecting to nginx (10.100.0.16:80)\nremote file exists")
    assert 'networkpolicy "default-deny" created' in transcript
    assert transcript.count('deployment "busybox" deleted') == 4


def test_prompts_follow_the_session(shell: ShellSession) -> None:
    assert shell.prompt == HOST_PROMPT
    opened = shell.run_line("kubectl run box --rm -ti --image=busybox -- /bin/sh")
    assert opened.prompt == HOST_PROMPT
    assert "Hit enter for command prompt" in opened.output
    assert shell.prompt == "/ # "
    assert shell.run_line("hostname").lines[0] == "/ # hostname"
    closed = shell.run_line("exit")
    assert 'deployment "box" deleted' in closed.output
    assert shell.prompt == HOST_PROMPT
    assert "box" not in " ".join(shell.runner.cluster.pods)


def test_exec_ti_opens_a_shell_in_an_existing_pod(shell: ShellSession) -> None:
    shell.run_line("kubectl run web --image=nginx --restart=Never --port=80")
    result = shell.run_line("kubectl exec -ti web -- sh")
    assert result.exit_code == 0
    assert shell.in_pod
    assert shell.run_line("hostname").output == "web"
    shell.run_line("exit")
    assert "default/web" in shell.runner.cluster.pods


def test_unsupported_commands_get_their_own_errors(shell: ShellSession) -> None:
    top = shell.run_line("kubectl top pods")
    assert top.exit_code == 1
    assert top.output.startswith("error: ")
    assert "top" in top.output
    assert "Traceback" not in top.output
    missing = shell.run_line("curl nginx")
    assert (missing.output, missing.exit_code) == ("bash: curl: command not found", 127)
    shell.run_line("kubectl run box --rm -ti --image=busybox -- /bin/sh")
    in_pod = shell.run_line("curl nginx")
    assert (in_pod.output, in_pod.exit_code) == ("sh: curl: not found", 127)
    quote = shell.run_line('wget "nginx')
    assert quote.exit_code != 0
    assert quote.output.startswith("sh: ")


def test_missing_pod_is_kubectls_not_found(shell: ShellSession) -> None:
    result = shell.run_line("kubectl exec -ti nosuch -- sh")
    assert result.exit_code == 1
    assert 'pods "nosuch" not found' in result.output
    assert not shell.in_pod


def test_files_history_and_cat(shell: ShellSession, workdir: Path) -> None:
    listing = shell.run_line("ls").output.splitlines()
    assert listing == ["default-deny.yaml", "nginx-policy.yaml", "walkthrough.txt"]
    cat = shell.run_line("cat default-deny.yaml")
    assert cat.output == (workdir / "default-deny.yaml").read_text().rstrip("\n")
    assert shell.run_line("cat nope.yaml").output == "cat: nope.yaml: No such file or directory"
    history = shell.run_line("history").output.splitlines()
    assert history == [
        "    1  ls",
        "    2  cat default-deny.yaml",
        "    3  cat nope.yaml",
        "    4  history",
    ]
    assert shell.run_line("vi answer.yaml").action == "edit"
    assert shell.run_line("exit").action == "exit"


def test_why_names_the_policy_that_dropped_the_syn(shell: ShellSession) -> None:
    assert shell.run_line("netsim why").exit_code == 1
    run_all(shell, WALKTHROUGH.split("kubectl create -f nginx-policy.yaml")[0])
    why = shell.run_line("netsim why").output
    assert "wget --spider --timeout=1 nginx (exit code 1)" in why
    dropped = [line for line in why.splitlines() if "DROPPED" in line]
    assert dropped
    assert all("isolated by default/default-deny" in line for line in dropped)
    assert all(":80 at default/nginx-" in line for line in dropped)


def test_reach_and_explain_read_the_live_cluster(shell: ShellSession) -> None:
    run_all(shell, WALKTHROUGH.split("kubectl run busybox")[0])
    shell.run_line("kubectl run client --image=busybox --restart=Never --labels=access=true")
    shell.run_line("kubectl create -f default-deny.yaml")
    shell.run_line("kubectl create -f nginx-policy.yaml")
    table = shell.run_line("netsim reach --port 80").output.splitlines()
    assert table[0] == "port 80/TCP:"
    header = table[1].split("\t")
    client_row = next(r.split("\t") for r in table if r.startswith("default/client\t"))
    nginx_columns = [i for i, name in enumerate(header) if name.startswith("default/nginx-")]
    assert len(nginx_columns) == 2
    assert all(client_row[i] == "." for i in nginx_columns)
    explained = shell.run_line("netsim explain client nginx:80").output
    assert "ALLOWED" in explained
    assert "default/access-nginx spec.ingress[0].from[0]" in explained
    assert shell.run_line("netsim explain client").exit_code == 2
    assert shell.run_line("netsim nope").exit_code == 2


def test_reset_starts_over(shell: ShellSession) -> None:
    shell.run_line("kubectl create -f default-deny.yaml")
    assert shell.runner.cluster.policies
    shell.run_line("netsim reset")
    assert not shell.runner.cluster.policies


def test_same_seed_same_transcript(workdir: Path) -> None:
    transcripts = []
    for _ in range(2):
        session = ShellSession(bare_scenario(workdir), workdir=workdir)
        run_all(session, WALKTHROUGH)
        transcripts.append(session.transcript)
        session.close()
    assert transcripts[0] == transcripts[1]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(list("kubectl wget nc -f/\"'=:.{}|;$\\abx0123")), max_size=40
        ),
        max_size=4,
    )
)
def test_no_line_raises(shell: ShellSession, lines: list[str]) -> None:
    for line in lines:
        result = shell.run_line(line)
        assert "Traceback" not in result.output
    for line in ("kubectl run b --rm -ti --image=busybox -- sh", *lines, "exit"):
        shell.run_line(line)


def test_kubectls_own_refusals_of_session_commands(shell: ShellSession) -> None:
    rm = shell.run_line("kubectl run x --rm --image=busybox")
    assert (rm.output, rm.exit_code) == (
        "error: --rm should only be used for attached containers",
        1,
    )
    no_pod = shell.run_line("kubectl exec -ti")
    assert no_pod.exit_code == 1
    assert no_pod.output.startswith("error: expected 'exec POD_NAME COMMAND")
    shell.run_line("kubectl run web --image=nginx --restart=Never")
    no_command = shell.run_line("kubectl exec -ti web")
    assert no_command.output == "error: you must specify at least one command for the container"
    assert not shell.in_pod
