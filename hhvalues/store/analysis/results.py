"""The Results table of a study: humans, the human group, model conditions and reference agents.

:func:`build_results` is pure (a bank and answers in, frozen rows out) and does all its
statistics through the one scoring core, so the console page only renders what it returns, and
``hhvalues score --split test --group human`` on a study bundle prints the same numbers:
accuracy columns are scored on the ``test`` split; catch items are reported beside them (attention
for humans, laziness for models) and drive the study's exclusion rule.

Exclusion rule
    A respondent fails a catch item when any of its probes is graded wrong (a refusal, a probe
    left unanswered at a timeout or a wrong choice); failures are averaged over a model's epochs.
    Respondents with at least ``catch_exclude`` failures are excluded from the second human group
    row (and flagged on their own row).
Human pool
    For the paired human-vs-model comparison every participant becomes one epoch of a single
    respondent ``human:pool``; the core averages epochs within an item first, so the pool's item
    accuracy is the mean over the participants who answered that item.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from hhvalues.core.ablations import AblationReport, ablation_reports, condition_of
from hhvalues.core.agents import reference_answers
from hhvalues.core.answers import Answer, Status, parse_respondent
from hhvalues.core.bank import Bank, Split
from hhvalues.core.scoring import (
    SCORED_SPLITS,
    SPLITS,
    Comparison,
    Graded,
    GroupScore,
    RespondentScore,
    Scores,
    compare_many,
    grade,
    group_score,
    normalize,
    score,
)
from hhvalues.core.stats import calibration_bins
from hhvalues.errors import AnswersError

HUMAN_GROUP = "human:*"
"""Name of the human group row (the name ``hhvalues score --group human`` gives it)."""
HUMAN_POOL = "human:pool"
TIMEOUT_FLAG_SHARE = 0.25
"""An item is flagged when at least this share of human answers timed out…"""
MODEL_SUCCESS = 0.75
"""…while the models answer it at least this accurately."""


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One row of the Results table."""

    label: str
    respondent: str
    kind: str
    """``human``, ``group``, ``model`` or ``agent``."""
    accuracy: float
    ci_low: float | None
    ci_high: float | None
    n: int
    """Participants for a group row, items otherwise."""
    n_probes: int
    ceiling: float | None
    normalized: float | None
    refused: int
    invalid: int
    timeout: int
    """Answers whose time ran out (graded on what was selected then)."""
    unanswered: int
    """Probe answers left without a choice in ok and timeout answers (graded wrong)."""
    other_status: int
    """Answers with any other non-ok status (truncated, empty, error)."""
    accuracy_ok: float | None
    catch_accuracy: float | None
    catch_failures: float | None
    excluded: bool
    brier: float | None = None


@dataclass(frozen=True, slots=True)
class ItemLine:
    """Humans and models on one item."""

    item: str
    split: str
    ceiling: float | None
    human_accuracy: float | None
    human_normalized: float | None
    human_n: int
    human_seconds: float | None
    """Median seconds per answer."""
    human_timeout_share: float | None
    model_accuracy: float | None
    model_normalized: float | None
    model_n: int
    model_seconds: float | None
    flagged: bool
    """Humans time out here but models succeed."""


@dataclass(frozen=True, slots=True)
class ItemPoint:
    """Human pool against one model condition on one item (the scatter chart)."""

    item: str
    model: str
    human_accuracy: float
    model_accuracy: float


@dataclass(frozen=True, slots=True)
class CalibrationPoint:
    """One confidence bin of one respondent (or the human pool)."""

    respondent: str
    confidence: float
    accuracy: float
    n: int


@dataclass(frozen=True, slots=True)
class TypeRow:
    """Accuracy of one respondent on one probe type."""

    respondent: str
    probe_type: str
    accuracy: float
    ci_low: float | None
    ci_high: float | None
    n_probes: int


@dataclass(frozen=True, slots=True)
class HumanScope:
    """Which participants the human rows are of."""

    finished_only: bool
    """Only participants who finished (the default), or everyone with an answer."""
    included: int
    """Participants with answers in the table."""
    left_out: Mapping[str, int]
    """Participants with answers left out, by their state (``timed_out``, ``in_progress`` …)
    or ``rehearsal`` (simulated participants of ``hhvalues bots``)."""
    rehearsal: bool = False
    """Whether rehearsal participants (bots) are counted among the humans."""
    rehearsals: int = 0
    """Of ``included``, how many are rehearsal participants (bots)."""

    def describe(self) -> str:
        """One sentence: which human rows are in (the Results page's caption)."""
        out = sum(self.left_out.values())
        who = "participant(s)"
        if self.rehearsals:
            who = f"participant(s), {self.rehearsals} of them rehearsal bots,"
        head = (
            f"Human rows: the {self.included} {who} who finished"
            if self.finished_only
            else f"Human rows: all {self.included} {who} with answers"
        )
        if not out:
            return head + "."
        why = ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in self.left_out.items())
        return f"{head}; {out} left out ({why})."


@dataclass(frozen=True, slots=True)
class Results:
    """Everything the Results page shows."""

    rows: tuple[ResultRow, ...]
    scores: Scores
    """The core's score table of the test split (what ``hhvalues score`` prints)."""
    by_type: tuple[TypeRow, ...]
    items: tuple[ItemLine, ...]
    points: tuple[ItemPoint, ...]
    comparisons: tuple[Comparison, ...]
    """Each model condition against the human pool (paired over items, Holm-adjusted)."""
    ablations: tuple[AblationReport, ...]
    """Per model, its conditions against ``baseline`` on the test split (``hhvalues ablations``);
    empty when no model has two conditions or none has the baseline."""
    baseline: str | None
    """The baseline condition (``<condition>`` of ``model:<provider>/<model>/<condition>``)."""
    conditions: tuple[str, ...]
    """Every model condition, by name: the baselines one may choose."""
    calibration: tuple[CalibrationPoint, ...]
    excluded: tuple[str, ...]
    agent_answers: tuple[Answer, ...]
    scope: HumanScope | None = None
    """Which participants the human rows are of (set by the store's ``study_results``)."""


def _kind(respondent: str) -> str:
    return parse_respondent(respondent)[0]


def _catch(graded: Graded) -> tuple[dict[str, float], dict[str, float]]:
    """Per respondent: catch accuracy, and failed catch answers per epoch."""
    g = graded.select(splits=[Split.CATCH])
    n_r = len(g.respondents)
    rows = np.bincount(g.respondent, minlength=n_r)
    right = np.bincount(g.respondent, weights=g.correct, minlength=n_r)
    wrong_answer = np.bincount(g.answer, weights=~g.correct, minlength=g.answer_item.size) > 0
    fails = np.bincount(g.answer_respondent, weights=wrong_answer, minlength=n_r)
    epochs = [np.unique(g.answer_epoch[g.answer_respondent == r]).size for r in range(n_r)]
    acc = {g.respondents[r]: float(right[r] / rows[r]) for r in range(n_r) if rows[r]}
    fail = {g.respondents[r]: float(fails[r] / epochs[r]) for r in range(n_r) if epochs[r]}
    return acc, fail


def _row(
    s: RespondentScore | GroupScore,
    *,
    label: str,
    kind: str,
    n: int,
    catch_acc: float | None,
    catch_fail: float | None,
    excluded: bool,
) -> ResultRow:
    c = s.status_counts
    other = sum(v for k, v in c.items() if k not in ("ok", "refused", "invalid", "timeout"))
    return ResultRow(
        label,
        getattr(s, "respondent", getattr(s, "name", label)),
        kind,
        s.accuracy,
        s.ci_low,
        s.ci_high,
        n,
        s.n_probes,
        s.ceiling,
        s.normalized,
        c.get("refused", 0),
        c.get("invalid", 0),
        c.get("timeout", 0),
        s.n_unanswered,
        other,
        s.accuracy_ok,
        catch_acc,
        catch_fail,
        excluded,
        getattr(s, "brier", None),
    )


def pool_humans(graded: Graded, humans: Sequence[str]) -> Graded:
    """The graded answers with every human as one epoch of the respondent ``human:pool``."""
    codes = np.array([graded.respondents.index(h) for h in humans], np.int64)
    pool = len(graded.respondents)
    rank = np.full(pool, -1, np.int64)
    rank[codes] = np.arange(codes.size)
    n_ep = int(graded.answer_epoch.max(initial=0)) + 1

    def remap(resp: np.ndarray, epoch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        is_h = rank[resp] >= 0
        return (
            np.where(is_h, pool, resp).astype(np.int32),
            np.where(is_h, rank[resp] * n_ep + epoch, epoch).astype(np.int32),
        )

    r, e = remap(graded.respondent, graded.epoch)
    ar, ae = remap(graded.answer_respondent, graded.answer_epoch)
    return replace(
        graded,
        respondents=(*graded.respondents, HUMAN_POOL),
        respondent=r,
        epoch=e,
        answer_respondent=ar,
        answer_epoch=ae,
    )


def _by_item(graded: Graded, members: Sequence[str]) -> dict[int, tuple[float, int]]:
    """Item index → (accuracy over the members' probe answers, number of answers)."""
    codes = [graded.respondents.index(m) for m in members if m in graded.respondents]
    sel = np.isin(graded.respondent, codes)
    n_i = len(graded.item_ids)
    rows = np.bincount(graded.item[sel], minlength=n_i)
    right = np.bincount(graded.item[sel], weights=graded.correct[sel], minlength=n_i)
    a_sel = np.isin(graded.answer_respondent, codes)
    answers = np.bincount(graded.answer_item[a_sel], minlength=n_i)
    return {i: (float(right[i] / rows[i]), int(answers[i])) for i in range(n_i) if rows[i]}


def _item_ceilings(graded: Graded) -> dict[int, float]:
    p, truth = graded.probe_ideal, graded.probe_truth
    ok = ~np.isnan(p)
    side = np.where(np.abs(p - 0.5) <= 1e-9, 0.0, np.sign(p - 0.5))
    credit = np.where(side == 0, 0.5, (side == truth).astype(float))
    out: dict[int, float] = {}
    for i in np.unique(graded.probe_item[ok]).tolist():
        m = (graded.probe_item == i) & ok
        out[int(i)] = float(credit[m].mean())
    return out


def _timing(
    answers: Sequence[Answer], seconds: Sequence[float | None], kind: str
) -> tuple[dict[str, float], dict[str, float]]:
    secs: dict[str, list[float]] = defaultdict(list)
    timeouts: dict[str, list[bool]] = defaultdict(list)
    for a, s in zip(answers, seconds, strict=True):
        if _kind(a.respondent) != kind:
            continue
        timeouts[a.item].append(a.status is Status.TIMEOUT)
        if s is not None:
            secs[a.item].append(float(s))
    return (
        {k: statistics.median(v) for k, v in secs.items() if v},
        {k: sum(v) / len(v) for k, v in timeouts.items()},
    )


def item_table(
    graded: Graded,
    answers: Sequence[Answer],
    seconds: Sequence[float | None],
    humans: Sequence[str],
    models: Sequence[str],
) -> tuple[ItemLine, ...]:
    """Per test/catch item: humans and models side by side, ceiling-normalised, with timings."""
    ceil = _item_ceilings(graded)
    h, m = _by_item(graded, humans), _by_item(graded, models)
    h_secs, h_to = _timing(answers, seconds, "human")
    m_secs, _ = _timing(answers, seconds, "model")
    out = []
    for i, item in enumerate(graded.item_ids):
        split = SPLITS[graded.item_split[i]].value
        if split == Split.TRAIN.value or (i not in h and i not in m):
            continue
        c = ceil.get(i)
        ha, hn = h.get(i, (None, 0))
        ma, mn = m.get(i, (None, 0))
        share = h_to.get(item)
        flagged = bool(
            share is not None
            and share >= TIMEOUT_FLAG_SHARE
            and ma is not None
            and ma >= MODEL_SUCCESS
        )
        out.append(
            ItemLine(
                item,
                split,
                c,
                ha,
                None if ha is None else normalize(ha, c),
                hn,
                h_secs.get(item),
                share,
                ma,
                None if ma is None else normalize(ma, c),
                mn,
                m_secs.get(item),
                flagged,
            )
        )
    return tuple(out)


def _points(graded: Graded, humans: Sequence[str], models: Sequence[str]) -> tuple[ItemPoint, ...]:
    h = _by_item(graded, humans)
    out = []
    for model in models:
        for i, (acc, _) in _by_item(graded, [model]).items():
            if i in h:
                out.append(ItemPoint(graded.item_ids[i], model, h[i][0], acc))
    return tuple(out)


def _calibration(graded: Graded, who: Mapping[str, Sequence[str]]) -> tuple[CalibrationPoint, ...]:
    out = []
    for name, members in who.items():
        codes = [graded.respondents.index(m) for m in members if m in graded.respondents]
        sel = (
            np.isin(graded.respondent, codes) & np.isfinite(graded.confidence) & (graded.side != 0)
        )
        if not sel.any():
            continue
        cal = calibration_bins(graded.confidence[sel], graded.correct[sel])
        out += [
            CalibrationPoint(name, float(c), float(a), int(n))
            for c, a, n in zip(cal.confidence, cal.accuracy, cal.counts, strict=True)
            if n
        ]
    return tuple(out)


def _pick_baseline(models: Sequence[str], wanted: str | None) -> tuple[tuple[str, ...], str | None]:
    """(every condition by name, the baseline: ``wanted`` if a condition, else the commonest)."""
    counts = Counter(cond for _, cond in map(condition_of, models) if cond)
    conditions = tuple(sorted(counts))
    if wanted in counts:
        return conditions, wanted
    # sorted first, so max() keeps the first name among equally common conditions
    return conditions, max(conditions, key=lambda c: counts[c], default=None)


def _ablations(
    test: Graded, models: Sequence[str], baseline: str | None, *, seed: int, n_boot: int
) -> tuple[AblationReport, ...]:
    """The ablation reports of the test split; empty when there is nothing to compare."""
    per_model = Counter(model for model, _ in map(condition_of, models) if model)
    if baseline is None or max(per_model.values(), default=0) < 2:
        return ()
    try:
        return tuple(ablation_reports(test, baseline, seed=seed, n_boot=n_boot))
    except AnswersError:  # no model ran the baseline (e.g. none answered a test item under it)
        return ()


def build_results(
    bank: Bank,
    answers: Sequence[Answer],
    *,
    seconds: Sequence[float | None] | None = None,
    catch_exclude: int = 2,
    seed: int = 0,
    n_boot: int = 2000,
    agents: bool = True,
    baseline: str | None = None,
    agent_answers: Sequence[Answer] | None = None,
) -> Results:
    """The whole Results page of a study from its bank and answers (pure; deterministic).

    ``seconds[k]`` is the time of ``answers[k]`` (None when unknown). Reference agents answer the
    bank's test and catch items (``agent_answers`` when given: those stored at import). ``baseline`` (a condition name) anchors the ablation reports;
    default (also when it is not a model condition): the condition most models ran, ties by name.
    """
    if agent_answers is not None:  # stored when the bank was imported (seed 0)
        extra: tuple[Answer, ...] = tuple(agent_answers)
    else:
        extra = reference_answers(bank, seed=seed) if agents else ()
    secs = list(seconds) if seconds is not None else [None] * len(answers)
    graded = grade(bank, [*answers, *extra])
    test = graded.select(splits=SCORED_SPLITS)
    respondents = list(graded.respondents)  # first appearance: the order `hhvalues score` uses
    humans = [r for r in respondents if _kind(r) == "human"]
    models = [r for r in respondents if _kind(r) == "model"]
    agent_ids = [r for r in respondents if _kind(r) == "agent"]
    catch_acc, catch_fail = _catch(graded)
    excluded = tuple(r for r in respondents if catch_fail.get(r, 0.0) >= catch_exclude)
    tested = [h for h in humans if np.any(test.respondent == test.respondents.index(h))]
    scores = score(test, seed=seed, n_boot=n_boot, groups={HUMAN_GROUP: tested} if tested else None)
    by_resp = {s.respondent: s for s in scores.rows}

    def row(r: str, label: str) -> ResultRow:
        return _row(
            by_resp[r],
            label=label,
            kind=_kind(r),
            n=by_resp[r].n_items,
            catch_acc=catch_acc.get(r),
            catch_fail=catch_fail.get(r),
            excluded=r in excluded,
        )

    rows = [row(h, h) for h in humans if h in by_resp]
    for g in scores.groups:
        rows.append(
            _row(
                g,
                label=f"{HUMAN_GROUP} (all {len(g.members)})",
                kind="group",
                n=len(g.members),
                catch_acc=None,
                catch_fail=None,
                excluded=False,
            )
        )
    kept = [h for h in tested if h not in excluded]
    if kept and len(kept) < len(tested):
        g = group_score(test, kept, name=f"{HUMAN_GROUP} excl.", seed=seed, n_boot=n_boot)
        rows.append(
            _row(
                g,
                label=f"{HUMAN_GROUP} (exclusion rule: {len(kept)})",
                kind="group",
                n=len(kept),
                catch_acc=None,
                catch_fail=None,
                excluded=False,
            )
        )
    rows += [row(m, m) for m in models if m in by_resp]
    rows += [row(a, a) for a in agent_ids if a in by_resp]
    pooled = pool_humans(test, tested) if tested else test
    comparisons: tuple[Comparison, ...] = ()
    if tested and models:
        comparisons = tuple(
            compare_many(
                pooled, HUMAN_POOL, [m for m in models if m in by_resp], seed=seed, n_boot=n_boot
            )
        )
    conditions, base = _pick_baseline(models, baseline)
    ablations = _ablations(test, models, base, seed=seed, n_boot=n_boot)
    type_scores = score(pooled, by="type", seed=seed, n_boot=n_boot)
    keep = {HUMAN_POOL, *models, *agent_ids}
    by_type = tuple(
        TypeRow(s.respondent, s.group or "", s.accuracy, s.ci_low, s.ci_high, s.n_probes)
        for s in type_scores.rows
        if s.respondent in keep
    )
    items = item_table(
        graded.select(splits=[Split.TEST, Split.CATCH]), answers, secs, humans, models
    )
    return Results(
        tuple(rows),
        scores,
        by_type,
        items,
        _points(test, tested, models),
        comparisons,
        ablations,
        base,
        conditions,
        _calibration(test, {HUMAN_POOL: tested, **{m: [m] for m in models}}),
        excluded,
        tuple(extra),
    )


__all__ = [
    "HUMAN_GROUP",
    "HUMAN_POOL",
    "MODEL_SUCCESS",
    "TIMEOUT_FLAG_SHARE",
    "CalibrationPoint",
    "HumanScope",
    "ItemLine",
    "ItemPoint",
    "ResultRow",
    "Results",
    "TypeRow",
    "build_results",
    "item_table",
    "pool_humans",
]
