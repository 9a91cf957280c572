"""``hhvalues study ...`` and ``hhvalues export``: create studies, mint links, export answers.

Every command says on stderr which database it uses (:func:`hhvalues.cli.app.database`) and
upgrades an older one before it runs; only ``study create`` may start a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hhvalues.cli.app import DB_OPTION, LazyChoice, cli, database, now
from hhvalues.errors import InputError

if TYPE_CHECKING:
    from hhvalues.store.studies import Limit


class _Limited(click.ParamType):  # type: ignore[type-arg]
    """A number within one configuration field's limits, read from the store when first needed
    (:data:`~hhvalues.store.studies.STUDY_LIMITS`, :data:`~hhvalues.store.demonstration.DEMO_LIMITS`)."""

    def __init__(self, limits: Callable[[], Mapping[str, Limit]], field: str) -> None:
        self._limits, self._field = limits, field

    @property
    def name(self) -> str:  # type: ignore[override]
        limit = self._limits()[self._field]
        return "integer" if limit.integer else "float"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        limit = self._limits()[self._field]
        return f"{'INTEGER' if limit.integer else 'FLOAT'} RANGE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        limit = self._limits()[self._field]
        try:
            number = int(value) if limit.integer else float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a valid {self.name}.", param, ctx)
        if not limit.low <= number <= limit.high:
            self.fail(
                f"{number:g} is not in the range {limit.low:g}<=x<={limit.high:g}.", param, ctx
            )
        return number


def _study_limits() -> Mapping[str, Limit]:
    from hhvalues.store.studies import STUDY_LIMITS

    return STUDY_LIMITS


def _demo_limits() -> Mapping[str, Limit]:
    from hhvalues.store.demonstration import DEMO_LIMITS

    return DEMO_LIMITS


def _modes() -> list[str]:
    from hhvalues.store.studies import Mode

    return [m.value for m in Mode]


def _kinds() -> list[str]:
    from hhvalues.store.studies import StudyKind

    return [k.value for k in StudyKind]


@cli.group()
def study() -> None:
    """Create studies, mint participant links, list studies."""


@study.command("create")
@click.option(
    "--bank",
    "bank_path",
    type=click.Path(path_type=Path),
    required=True,
    help="The full bank (with truth); it is validated and imported.",
)
@click.option("--name", "slug", required=True, help="Study name used in links (a-z, 0-9, -, _).")
@click.option(
    "--items",
    type=_Limited(_study_limits, "items"),
    default=None,
    help="Test items per participant (default: all).",
)
@click.option("--train", type=_Limited(_study_limits, "train"), default=0, show_default=True)
@click.option("--catch", type=_Limited(_study_limits, "catch"), default=0, show_default=True)
@click.option(
    "--item-seconds", type=_Limited(_study_limits, "item_seconds"), default=120.0, show_default=True
)
@click.option(
    "--session-minutes",
    type=_Limited(_study_limits, "session_minutes"),
    default=60.0,
    show_default=True,
)
@click.option("--mode", type=LazyChoice(_modes), default="probes", show_default=True)
@click.option(
    "--seed",
    type=_Limited(_study_limits, "seed"),
    default=0,
    show_default=True,
    help="Item order / A/B seed.",
)
@click.option(
    "--kind",
    type=LazyChoice(_kinds),
    default="answer",
    show_default=True,
    help="answer: people answer items; demonstrate: people walk worlds "
    "under assigned values (issue 6; see --instruction, --practice, --worlds).",
)
@click.option(
    "--instruction",
    type=click.Choice(["do", "teach", "balanced"]),
    default="balanced",
    show_default=True,
    help="demonstrate: 'do' (collect points), 'teach' (show an observer "
    "what you value) or balanced across participants.",
)
@click.option(
    "--practice",
    type=_Limited(_demo_limits, "practice"),
    default=1,
    show_default=True,
    help="demonstrate: practice worlds per participant.",
)
@click.option(
    "--worlds",
    type=_Limited(_demo_limits, "worlds"),
    default=3,
    show_default=True,
    help="demonstrate: recorded worlds per participant.",
)
@click.option(
    "--walk-seconds",
    type=_Limited(_demo_limits, "walk_seconds"),
    default=300.0,
    show_default=True,
    help="demonstrate: time limit of one walk.",
)
@click.option(
    "--completion-code",
    default="",
    help="The code shown at the end (e.g. Prolific's completion code; default: generated).",
)
@click.option(
    "--redirect-url",
    default=None,
    metavar="URL",
    help="Where participants go at the end (e.g. https://app.prolific.com/submissions/"
    "complete?cc=CODE).",
)
@click.option(
    "--decline-code",
    default="",
    help="The code shown to a participant who declines consent (e.g. Prolific's no-consent code).",
)
@click.option(
    "--decline-url",
    default=None,
    metavar="URL",
    help="Where a participant who declines consent goes (e.g. Prolific's return URL).",
)
@click.option(
    "--consent-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The consent text (Markdown, UTF-8) participants read first (default: a generic one).",
)
@click.option(
    "--contact",
    default="",
    help="How participants reach you (an e-mail address), shown wherever they are told to "
    "contact the researcher.",
)
@click.option(
    "--intake",
    "intake_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Questions asked after consent, one a line: 'id | question | option; option | "
    "optional' (no options: free text; 'optional': may be left blank).",
)
@DB_OPTION
def create_cmd(
    bank_path: Path,
    slug: str,
    items: int | None,
    train: int,
    catch: int,
    item_seconds: float,
    session_minutes: float,
    mode: str,
    seed: int,
    kind: str,
    instruction: str,
    practice: int,
    worlds: int,
    walk_seconds: float,
    completion_code: str,
    redirect_url: str | None,
    decline_code: str,
    decline_url: str | None,
    consent_file: Path | None,
    contact: str,
    intake_path: Path | None,
    db_url: str | None,
) -> None:
    """Import a bank and create an open study on it."""
    from hhvalues.core.validate import load_valid_bank
    from hhvalues.store.studies import (
        Mode,
        StudyConfig,
        StudyKind,
        bank_split_counts,
        check_config_counts,
        check_slug,
        create_study,
        parse_intake,
    )

    check_slug(slug)
    bank = load_valid_bank(bank_path)
    config = StudyConfig(
        items=items,
        train=train,
        catch=catch,
        item_seconds=item_seconds,
        session_minutes=session_minutes,
        mode=Mode(mode),
        seed=seed,
        completion_code=completion_code.strip(),
        redirect_url=(redirect_url or "").strip() or None,
        contact=contact.strip(),
        decline_code=decline_code.strip(),
        decline_url=(decline_url or "").strip() or None,
    )
    if consent_file is not None:
        text = _read_text(consent_file)
        if not text.strip():
            raise InputError(f"{consent_file}: the consent text is empty")
        config = config.with_changes(consent_text=text.strip())
    if intake_path is not None:
        config = config.with_changes(
            intake=parse_intake(_read_text(intake_path), where=str(intake_path))
        )
    if kind == StudyKind.DEMONSTRATE.value:  # issue 6: the bank supplies features, prior and worlds
        from hhvalues.store.demonstration import DemoConfig, demonstrate_config

        config = demonstrate_config(config, DemoConfig(practice, worlds, instruction, walk_seconds))
    check_config_counts(bank_split_counts(bank), config)  # before any database is touched
    with database(db_url, create=True) as engine:
        # One transaction: the bank import and its audit entry stand or fall with the study.
        created = create_study(
            engine, slug=slug, bank=bank, config=config, now=now, kind=StudyKind(kind), actor="cli"
        )
    info = created.bank
    what = "demonstration study" if kind == StudyKind.DEMONSTRATE.value else "study"
    click.echo(
        f"created {what} {created.slug} on bank {info.name} v{info.version} "
        f"({info.content_hash[:12]}); completion code {created.config.completion_code}"
    )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None


@study.command("invite")
@click.option("--name", "slug", required=True)
@click.option("--count", type=click.IntRange(1, 100_000), required=True)
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="The address participants open, e.g. https://study.example.org (default: "
    "$HHVALUES_BASE_URL; one of the two is required).",
)
@DB_OPTION
def invite_cmd(slug: str, count: int, base_url: str | None, db_url: str | None) -> None:
    """Print one participant link per line (BASE/?t=TOKEN); tokens are stored hashed only."""
    from hhvalues.settings import load_settings

    source = "--base-url"
    if base_url is None:
        base_url, source = load_settings().base_url, "HHVALUES_BASE_URL"
    if base_url is None:
        raise InputError(
            "study invite needs the address participants open: --base-url "
            "https://study.example.org (or set HHVALUES_BASE_URL)"
        )
    if not base_url.startswith(("http://", "https://")):
        raise InputError(f"{source} must start with http:// or https://, got {base_url!r}")
    from hhvalues.store.studies import invite

    with database(db_url) as engine:
        tokens = invite(engine, slug, count, now=now, actor="cli")
    base = base_url.rstrip("/")
    click.echo(f"links for {base} (from {source})", err=True)
    click.echo("\n".join(f"{base}/?t={t}" for t in tokens))


@study.command("relink")
@click.option("--name", "slug", required=True)
@click.option("--pid", required=True, help="The participant's PROLIFIC_PID.")
@click.option("--base-url", default="http://localhost:8501", show_default=True)
@DB_OPTION
def relink_cmd(slug: str, pid: str, base_url: str, db_url: str | None) -> None:
    """Print a new link for the participant who enrolled with PROLIFIC_PID PID (the old link
    stops working; the session goes on where it was): for a participant who lost the browser
    they started in, since the platform link resumes a session only in that browser."""
    if not base_url.startswith(("http://", "https://")):
        raise InputError(f"--base-url must start with http:// or https://, got {base_url!r}")
    from hhvalues.store.studies import relink

    with database(db_url) as engine:
        token = relink(engine, slug, pid, now=now, actor="cli")
    click.echo(f"{base_url.rstrip('/')}/?t={token}")


@study.command("list")
@DB_OPTION
def list_cmd(db_url: str | None) -> None:
    """One line per study: name, status, bank, configuration version, participants by state."""
    from hhvalues.store.studies import list_studies

    with database(db_url) as engine:
        studies = list_studies(engine)
    if not studies:
        click.echo("no studies (create one with: hhvalues study create --bank PATH --name NAME)")
    for s in studies:
        states = ", ".join(f"{k} {v}" for k, v in s.participants.items() if v) or "no participants"
        click.echo(
            f"{s.slug}\t{s.status}\t{s.bank.name} v{s.bank.version} "
            f"({s.bank.content_hash[:12]})\tconfig v{s.config_version}\t{states}"
        )


class _ExportFormatOption(click.Option):
    """``--format``, its help written from the store's table of export formats when shown."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        from hhvalues.store.exports import EXPORTS

        self.help = "; ".join(f"{fmt.value}: {spec.title}" for fmt, spec in EXPORTS.items())
        return super().get_help_record(ctx)


def _export_formats() -> list[str]:
    from hhvalues.store.exports import ExportFormat

    return [f.value for f in ExportFormat]


@cli.command("export")
@click.option("--study", "slug", required=True)
@click.option(
    "--format",
    "fmt",
    cls=_ExportFormatOption,
    type=LazyChoice(_export_formats),
    default="jsonl",
    show_default=True,
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--include-rehearsal",
    "rehearsal",
    is_flag=True,
    help="Include the simulated participants of 'hhvalues bots' (left out by default).",
)
@DB_OPTION
def export_cmd(slug: str, fmt: str, out: Path, rehearsal: bool, db_url: str | None) -> None:
    """Write a study's answers (timeouts included), scores, item table or bundle.

    Answers are streamed from the database; the file's SHA-256 goes to the audit log.
    Rehearsal participants (``hhvalues bots``) are left out unless --include-rehearsal.
    """
    from hhvalues.store.exports import EXPORTS, ExportFormat, write_export

    with database(db_url) as engine:
        written = write_export(engine, slug, fmt, out, actor="cli", now=now, rehearsal=rehearsal)
    what = EXPORTS[ExportFormat(fmt)].counts
    click.echo(
        f"wrote {out}: {written.rows} {what} of study {slug} (sha256 {written.sha256})", err=True
    )
