"""The GitHub Actions workflows (actionlint checks their syntax in `make lint`): every command is a
make target of the Makefile, every action is pinned to a commit, and the token only reads, except
in the one job that publishes the book, which does nothing else."""

import re

import yaml
from helpers import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
CI = ROOT / ".github" / "workflows" / "ci.yml"


def steps(path):
    """(job name, job, step) of every step of a workflow."""
    # BaseLoader: every key a string (PyYAML's default loader reads `on:` as True).
    workflow = yaml.load(path.read_text(), Loader=yaml.BaseLoader)
    for name, job in workflow["jobs"].items():
        for step in job["steps"]:
            yield name, job, step


def commands(job: dict, step: dict) -> list[str]:
    """A step's command, once per value of the matrix it names (`make ${{ matrix.target }}`)."""
    command = step.get("run", "").strip()
    if not (found := re.search(r"\$\{\{ matrix\.(\w+) \}\}", command)):
        return [command] if command else []
    return [command.replace(found[0], v) for v in job["strategy"]["matrix"][found[1]]]


def test_every_command_is_a_make_target_of_the_makefile():
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))
    found = set()
    for path in WORKFLOWS:
        for name, job, step in steps(path):
            for command in commands(job, step):
                run = re.fullmatch(r"make ([a-z-]+)(?: [A-Z_]+=\S+)*", command)
                assert run, f"{path.name}, job {name}: `{command}` is not one make target"
                found.add(run[1])
    assert found <= targets, f"not in the Makefile: {found - targets}"
    checks = {"lint", "check-links", "check-platforms", "test", "test-portable", "test-backends"}
    assert checks | {"test-browser", "test-hosted", "test-book"} <= found


def test_ci_runs_every_hosted_package_set():
    sets = [
        re.fullmatch(r"make test-hosted HOSTED_SETS=(\S+)", command)
        for _, job, step in steps(CI)
        for command in commands(job, step)
    ]
    hosted = ROOT / "tests" / "hosted"
    assert sorted(m[1] for m in sets if m) == sorted(p.stem for p in hosted.glob("*.txt"))


def test_actions_are_pinned_to_commits_and_only_the_pages_deploy_may_write():
    for path in WORKFLOWS:
        workflow = yaml.load(path.read_text(), Loader=yaml.BaseLoader)
        assert workflow["permissions"] == {"contents": "read"}, path.name
        for name, job, step in steps(path):
            uses = step.get("uses", "")
            assert not uses or re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", uses), uses
            if uses.startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] == "false", f"{path.name}, {name}"
            if "permissions" in job:
                assert job["permissions"] == {"pages": "write", "id-token": "write"}
                assert [s.get("uses", "")[:20] for s in job["steps"]] == ["actions/deploy-pages"]
                assert job["needs"] == "build", "only a book that passed make test-book"
