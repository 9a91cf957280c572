"""Setting up from a fresh clone (issue 15 item 18): the test script installs what it needs, and
the file formats the README points to are specified in the repository, key by key."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "test-all.sh"


def _dry_run(tmp_path: Path, *, pgbin: Path, chromium: bool) -> list[str]:
    """The commands scripts/test-all.sh would run, on a PATH with or without chromium and with
    no initdb on it (Debian keeps PostgreSQL's binaries off PATH)."""
    bin_dir = tmp_path / ("bin-with" if chromium else "bin-without")
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "id", "env", "cat"):
        found = subprocess.run(["bash", "-c", f"command -v {tool}"], capture_output=True, text=True)
        (bin_dir / tool).symlink_to(found.stdout.strip())
    if chromium:  # and npm: a machine with both
        for tool in ("chromium", "npm"):
            (bin_dir / tool).write_text("#!/bin/sh\n")
            (bin_dir / tool).chmod(0o755)
    env = {
        "PATH": str(bin_dir),
        "HHVALUES_SETUP_DRY_RUN": "1",
        "PGBIN": str(pgbin),
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        ["bash", str(SCRIPT), "-q"], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.splitlines()


def test_test_all_installs_postgresql_15_when_it_is_missing(tmp_path: Path) -> None:
    lines = _dry_run(tmp_path, pgbin=tmp_path / "no-postgres", chromium=True)
    install = [line for line in lines if "apt-get install" in line]
    assert len(install) == 1 and install[0].endswith(" postgresql-15"), lines
    assert any(line.endswith("apt-get update -qq") for line in lines)
    assert 'eval "$(bash .ci/start-postgres.sh)"' in "\n".join(lines)
    assert lines[-1] == "+ python3 -m pytest -q"
    assert "+ npm install --prefix tests/browser/axe --no-audit --no-fund --silent" in lines


def test_test_all_installs_chromium_and_postgresql_together_and_nothing_present(
    tmp_path: Path,
) -> None:
    both = _dry_run(tmp_path, pgbin=tmp_path / "no-postgres", chromium=False)
    (install,) = [line for line in both if "apt-get install" in line]
    assert install.split()[-4:] == ["npm", "chromium", "fonts-dejavu-core", "postgresql-15"]
    pgbin = tmp_path / "pg" / "bin"
    pgbin.mkdir(parents=True)
    (pgbin / "initdb").write_text("#!/bin/sh\n")
    (pgbin / "initdb").chmod(0o755)
    (tmp_path / "again").mkdir()
    neither = _dry_run(tmp_path / "again", pgbin=pgbin, chromium=True)
    assert not any("apt-get" in line for line in neither)


def _documented() -> str:
    """The inline code of docs/formats.md (its examples in fenced blocks specify nothing)."""
    text = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    text = re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)
    return " ".join(re.findall(r"`([^`\n]+)`", text))


def _keys(doc: object) -> set[str]:
    return set(doc) if isinstance(doc, dict) else set()


@pytest.mark.parametrize(
    "bank_file", ["tests/data/examples/tiny_bank.json", "data/banks/demo.json"]
)
def test_every_key_of_a_bank_file_is_specified(bank_file: str) -> None:
    documented = _documented()
    doc = json.loads((ROOT / bank_file).read_text(encoding="utf-8"))
    keys = _keys(doc) | _keys(doc["model"]) | {doc["format"]}
    for feature in doc["features"]:
        keys |= _keys(feature)
    for item in doc["items"]:
        keys |= _keys(item) | _keys(item["truth"]) | {item["split"]}
        for demo in item["demos"]:
            keys |= _keys(demo)
        for probe in item["probes"]:
            keys |= _keys(probe) | {probe["type"]}
    missing = sorted(k for k in keys if not re.search(rf"\b{re.escape(k)}\b", documented))
    assert not missing, f"docs/formats.md does not specify {missing}"


def test_every_key_of_answers_and_scores_is_specified() -> None:
    from hhvalues.core.answers import Status

    documented = _documented()
    answers = ROOT / "tests" / "data" / "examples" / "answers.jsonl"
    keys: set[str] = {s.value for s in Status}
    for line in answers.read_text(encoding="utf-8").splitlines():
        keys |= _keys(json.loads(line))
    scores = json.loads((ROOT / "tests" / "data" / "examples" / "scores.json").read_text())
    keys |= _keys(scores)
    for row in scores["respondents"]:
        keys |= _keys(row)
    missing = sorted(k for k in keys if not re.search(rf"\b{re.escape(k)}\b", documented))
    assert not missing, f"docs/formats.md does not specify {missing}"


def test_the_readme_points_to_the_specification_and_recommends_a_virtual_environment() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/formats.md" in readme and "DESIGN.md" not in readme
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "python3 -m venv .venv" in quick
    assert quick.index("venv") < quick.index("pip install")
    assert os.access(SCRIPT, os.R_OK)


def _readme_commands() -> list[list[str]]:
    """Every ``hhvalues ...`` command the README prints (code blocks and inline code), split
    into words, without its comment."""
    import shlex

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = [line for line in readme.splitlines() if line.startswith("hhvalues ")]
    joined = re.sub(r"\s*\n\s*", " ", readme)  # inline code may wrap across lines
    found += re.findall(r"`(hhvalues [^`]+)`", joined)
    return [shlex.split(c.split("  #")[0].replace("...", "")) for c in found]


def test_every_readme_command_and_flag_exists() -> None:
    """Issue 19 items 15, 16, 18: the README and the commands agree — each command it shows
    exists, with every ``--flag`` it gives; the bots example names where the app runs; no
    command takes --database-url (all say --db)."""
    import click

    from hhvalues.cli import cli

    commands = _readme_commands()
    assert len(commands) > 20
    for words in commands:
        cmd: click.Command = cli
        for word in words[1:]:
            if not isinstance(cmd, click.Group) or word not in cmd.commands:
                break
            cmd = cmd.commands[word]
        assert not isinstance(cmd, click.Group), f"README: {' '.join(words)} is no command"
        options = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
        flags = {w.split("=")[0] for w in words if w.startswith("--")}
        assert flags <= options, f"README: {' '.join(words)}: no option {sorted(flags - options)}"
    bots = [w for w in commands if w[1] == "bots"]
    assert bots and all("--url" in w for w in bots)

    def walk(c: click.Command) -> list[click.Command]:
        subs = list(c.commands.values()) if isinstance(c, click.Group) else []
        return [c, *[x for s in subs for x in walk(s)]]

    for c in walk(cli):
        assert not any("--database-url" in p.opts for p in c.params), c.name


def test_every_document_a_user_reads_cites_files_of_the_repository() -> None:
    """Issue 19 item 21: the bundle README cited "DESIGN §3" and the conditions file
    "DESIGN.md §1", files that are not in the repository. Every ``*.md`` named in what a user
    reads — the README, CONTRIBUTING, docs/, the conditions files, the app's config, the
    bundle's README, the commands' help and the bank validator's messages — is a file here, and
    none cites the shared notes (DESIGN, SCIENCE, STREAMLIT, STYLE) by section."""
    import click

    from hhvalues.cli import cli
    from hhvalues.store.exports.bundle import README as BUNDLE_README

    texts = {
        str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
        for pattern in ("*.md", "docs/*.md", "conditions/*.toml", ".streamlit/*.toml")
        for p in ROOT.glob(pattern)
    }
    texts["bundle README"] = BUNDLE_README
    texts["hhvalues/core/validate.py"] = (ROOT / "hhvalues/core/validate.py").read_text()

    def helps(c: click.Command, ctx: click.Context) -> str:
        subs = c.commands.values() if isinstance(c, click.Group) else ()
        return c.get_help(ctx) + "".join(helps(s, click.Context(s, parent=ctx)) for s in subs)

    texts["--help"] = helps(cli, click.Context(cli))
    for name, text in texts.items():
        assert not re.search(r"\b(DESIGN|SCIENCE|STREAMLIT|STYLE)(\.md)? §", text), name
        # a file the user gives a command (--consent-file consent.md) is not a citation
        for cited in re.findall(r"(?<!--consent-file )(?<![\w./-])[\w./-]*\b[\w-]+\.md\b", text):
            here = (ROOT / name).parent if (ROOT / name).exists() else ROOT
            assert (ROOT / cited).exists() or (here / cited).exists(), f"{name} cites {cited}"


def test_no_file_of_the_repository_cites_notes_outside_it() -> None:
    """Issue 19 item 21, for the code too: docstrings and comments cited DESIGN.md, SCIENCE.md
    and STREAMLIT.md, notes that are not in the repository; they cite docs/ or the sources."""
    import subprocess

    listed = subprocess.run(
        ["git", "ls-files", "hhvalues", "tests", "bench", "scripts", "conditions"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    notes = re.compile(r"\b(DESIGN|SCIENCE|STREAMLIT)(\.md\b| §)")
    citing = [
        name
        for name in listed
        if name != "tests/test_setup.py"
        and name.endswith((".py", ".md", ".toml", ".sh"))
        and notes.search((ROOT / name).read_text(encoding="utf-8"))
    ]
    assert not citing, citing
