"""The GitHub Actions workflows: what a maintainer gets on the first push (actionlint checks their
syntax in `make lint`; this checks what they run and how).

Every step that runs a command runs one make target, so a workflow can't depend on a command that
nobody can run here; GitHub may run more targets than `.ci/run` (its jobs run in parallel, for up
to two hours), and docs/testing.md's table says, for each target, where it runs; every action is
pinned to a commit; the token can only read.
"""

import re
from pathlib import Path

import yaml
from helpers import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")


def load(path: Path) -> dict:
    # PyYAML reads the key `on` as True (YAML 1.1); BaseLoader keeps every key a string.
    return yaml.load(path.read_text(), Loader=yaml.BaseLoader)


def ci_run_targets() -> set[str]:
    return set(
        re.findall(r"^\s*(?:timed )?make ([a-z-]+)", (ROOT / ".ci" / "run").read_text(), re.M)
    )


def makefile_targets() -> set[str]:
    return set(re.search(r"^\.PHONY: (.*)$", (ROOT / "Makefile").read_text(), re.M)[1].split())


def workflow_targets() -> set[str]:
    found = set()
    for path in WORKFLOWS:
        for _, job, step in steps(load(path)):
            for command in expanded(step.get("run", "").strip(), job):
                found |= set(re.findall(r"^make ([a-z-]+)", command))
    return found


def steps(workflow: dict):
    """(job name, job, step) for every step of every job."""
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield name, job, step


def expanded(command: str, job: dict) -> list[str]:
    """`make ${{ matrix.target }}` as one command per value of the matrix."""
    match = re.search(r"\$\{\{\s*matrix\.(\w+)\s*\}\}", command)
    if not match:
        return [command]
    values = job["strategy"]["matrix"][match[1]]
    return [command.replace(match[0], value) for value in values]


def test_there_is_a_workflow():
    assert WORKFLOWS, "no workflow in .github/workflows"


def test_every_command_is_one_make_target():
    targets = makefile_targets()
    for path in WORKFLOWS:
        for name, job, step in steps(load(path)):
            if "run" not in step:
                continue
            for command in expanded(step["run"].strip(), job):
                target = re.fullmatch(r"make ([a-z-]+)( [A-Z_]+=\S+)*", command)
                assert target, f"{path.name}, job {name}: `{command}` is not one make target"
                assert target[1] in targets, f"{path.name}: `make {target[1]}` is not in Makefile"


def where_it_runs() -> dict[str, tuple[bool, bool]]:
    """docs/testing.md's table: target -> (runs in .ci/run, runs on GitHub)."""
    page = (ROOT / "docs" / "testing.md").read_text()
    rows = re.findall(r"^\| `make ([a-z-]+)[^`]*` \| (yes|no)[^|]*\| (yes|no)[^|]*\|", page, re.M)
    return {target: (here == "yes", github == "yes") for target, here, github in rows}


def test_the_testing_page_says_where_each_ci_target_runs():
    table = where_it_runs()
    here, github = ci_run_targets(), workflow_targets()
    assert set(table) == here | github, "docs/testing.md: a row per target of .ci/run or GitHub"
    for target, (in_ci_run, on_github) in table.items():
        assert in_ci_run == (target in here), f"docs/testing.md: make {target} in .ci/run?"
        assert on_github == (target in github), f"docs/testing.md: make {target} on GitHub?"


def test_the_mnist_cache_is_keyed_by_the_file_that_holds_its_digest():
    """A new digest (another dataset file) changes the key, so CI never restores an old file."""
    import mnist17.data

    home = Path(mnist17.data.__file__).resolve().relative_to(ROOT).as_posix()
    keyed = 0
    for path in WORKFLOWS:
        assert mnist17.data.MNIST_CONTENT_SHA256 not in path.read_text(), path.name
        for _, _, step in steps(load(path)):
            if step.get("with", {}).get("path") == "data/mnist.npz":
                assert step["with"]["key"] == f"mnist-${{{{ hashFiles('{home}') }}}}"
                keyed += 1
    assert keyed


# The one permission beyond reading: the job that publishes the book on GitHub Pages, and nothing
# else in it (no checkout, no command), may write to Pages with a token naming the repository.
PAGES_DEPLOY = {"pages": "write", "id-token": "write"}


def publishes_pages_only(job: dict) -> bool:
    uses = [step.get("uses", "") for step in job.get("steps", [])]
    return bool(uses) and all(u.startswith("actions/deploy-pages@") for u in uses)


def test_actions_are_pinned_to_commits_and_the_token_reads_only():
    for path in WORKFLOWS:
        workflow = load(path)
        assert workflow["permissions"] == {"contents": "read"}, path.name
        for name, job, step in steps(workflow):
            if job.get("permissions") == PAGES_DEPLOY:
                assert publishes_pages_only(job), f"{path.name}, {name} writes and does more"
            else:
                assert "permissions" not in job or job["permissions"] == {"contents": "read"}
            if "uses" in step:
                assert PINNED.match(step["uses"]), f"{path.name}, {name}: {step['uses']}"
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] == "false"
        line_of = {m[1]: m[0] for m in re.finditer(r"uses: ([^\s#]+) # (v\S+)", path.read_text())}
        assert all(line_of.values()), "each pinned action names its version in a comment"


def test_make_test_runs_on_linux_x86_linux_arm_and_apple_silicon_weekly_and_on_every_push():
    workflow = load(ROOT / ".github" / "workflows" / "ci.yml")
    assert {"push", "pull_request", "schedule"} <= set(workflow["on"])
    runners = {
        entry["os"]
        for name, job, step in steps(workflow)
        if step.get("run") == "make test"
        for entry in job["strategy"]["matrix"]["include"]
    }
    assert runners == {"ubuntu-24.04", "ubuntu-24.04-arm", "macos-15"}


def test_a_failed_job_uploads_what_moved():
    for path in WORKFLOWS:
        for name, job, step in steps(load(path)):
            commands = expanded(step.get("run", ""), job)
            if any(command.startswith("make test") for command in commands):
                uploads = [
                    s
                    for s in job["steps"]
                    if s.get("uses", "").startswith("actions/upload-artifact@")
                ]
                assert uploads, f"{path.name}, job {name} uploads nothing when it fails"
                assert uploads[0]["if"] == "failure()"
                assert "build/" in uploads[0]["with"]["path"]


def test_the_book_is_checked_before_it_is_published_on_every_push_to_main():
    workflow = load(ROOT / ".github" / "workflows" / "pages.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    commands = [step["run"] for step in build["steps"] if "run" in step]
    assert commands == ["make test-book"]
    upload = [s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages")]
    assert upload and upload[0]["with"]["path"] == "build/book/"
    assert deploy["needs"] == "build" and deploy["permissions"] == PAGES_DEPLOY
    assert publishes_pages_only(deploy)
