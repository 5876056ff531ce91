"""The GitHub Actions workflows (actionlint checks their syntax): every command a make target, every
hosted package set run, actions pinned to commits, a read-only token but for the Pages deploy."""

import re

import yaml
from helpers import ROOT

# BaseLoader: every key a string (PyYAML's default loader reads `on:` as True).
WORKFLOWS = {
    path.name: yaml.load(path.read_text(), Loader=yaml.BaseLoader)
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml"))
}
JOBS = [(f"{name}, {job}", w["jobs"][job]) for name, w in WORKFLOWS.items() for job in w["jobs"]]


def test_every_command_is_a_make_target_and_every_hosted_set_runs():
    commands = []
    for _, job in JOBS:
        for step in job["steps"]:  # `make ${{ matrix.target }}`: once per target of the matrix
            command = step.get("run", "").strip()
            if found := re.search(r"\$\{\{ matrix\.(\w+) \}\}", command):
                values = job["strategy"]["matrix"][found[1]]
                commands += [command.replace(found[0], value) for value in values]
            elif command:
                commands.append(command)
    runs = [re.fullmatch(r"make ([a-z-]+)((?: [A-Z_]+=\S+)*)", command) for command in commands]
    assert all(runs), commands
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))
    found = {run[1] for run in runs}
    assert found <= targets, f"not in the Makefile: {found - targets}"
    assert {"lint", "check-links", "check-platforms", "test", "test-portable"} <= found
    assert {"test-backends", "test-browser", "test-hosted", "test-book"} <= found
    sets = sorted(run[2].removeprefix(" HOSTED_SETS=") for run in runs if run[1] == "test-hosted")
    assert sets == sorted(p.stem for p in (ROOT / "tests" / "hosted").glob("*.txt"))


def test_actions_are_pinned_to_commits_and_only_the_pages_deploy_may_write():
    assert all(w["permissions"] == {"contents": "read"} for w in WORKFLOWS.values())
    for where, job in JOBS:
        for step in job["steps"]:
            uses = step.get("uses", "")
            assert not uses or re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", uses), uses
            if uses.startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] == "false", where
        if "permissions" in job:
            assert job["permissions"] == {"pages": "write", "id-token": "write"}, where
            assert [s.get("uses", "")[:20] for s in job["steps"]] == ["actions/deploy-pages"]
            assert job["needs"] == "build", "only a book that passed make test-book"
