"""Run conditions × items × epochs against a provider: asyncio, one retry layer, resumable.

Concurrency
    One :class:`AdaptiveLimit` per run (one account): it opens at ``--concurrency`` (the bound
    the user chose), is halved on every 429, then grows by 1/limit per clean reply (one slot per
    round of replies) back towards the bound.
Retries
    The SDKs' own retries are off (``max_retries=0``); here 429, 5xx, 408/409, timeouts and
    dropped connections are retried with exponential backoff and jitter, honouring
    ``Retry-After``. 400/401/403/404/422 are never retried; 401/403/404 end the run.
The effective request is the record
    A parameter the model rejects (a 400 naming it) or the SDK leaves out of the wire body ends
    the run with a :class:`ProviderError`, unless the condition lists it in ``allow_dropped``:
    then the call is re-sent without it and the answer records ``dropped``. The rejection is
    learned once per model and condition: the condition's first call goes alone, and every
    later one (in this run, and in a rerun on the same answers file, through the manifest)
    leaves the parameter out. The summary and the manifest list every dropped parameter.
Stopping
    When the run must stop (an authentication failure, a rejected parameter not allowed to be
    dropped) no new call starts, and the calls already in flight are awaited: a response that
    was paid for is written (answers, request log, cache) before the run ends, so a rerun never
    buys it twice. Ctrl-C stops at once; either way the manifest says ``aborted``.
"""

from __future__ import annotations

import asyncio
import contextlib
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from hhvalues import __version__
from hhvalues.core.answers import Answer, Status, make_respondent
from hhvalues.core.bank import Bank, Item, Split
from hhvalues.errors import ProviderError
from hhvalues.evals.conditions import Condition
from hhvalues.evals.log import (
    AnswerSink,
    JsonlSink,
    RequestLog,
    ResponseCache,
    read_json,
    sibling,
    write_manifest,
)
from hhvalues.evals.parse import parse_reply
from hhvalues.evals.prompts import Prompt, build_prompt, few_shot_shortfall, prompt_to_text
from hhvalues.evals.providers import (
    PROVIDERS,
    Failure,
    Provider,
    Reply,
    build_body,
    make_provider,
    replay,
)


@dataclass(frozen=True, slots=True)
class RunConfig:
    """How to run (what to ask is in the conditions)."""

    provider: str
    model: str
    out: Path
    base_url: str | None = None
    concurrency: int = 8
    epochs: int | None = None
    """Overrides every condition's ``epochs``."""
    limit: int | None = None
    """Only the first N items (test and catch splits, bank order)."""
    timeout: float = 120.0
    max_attempts: int = 6
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    retry_errors: bool = False
    cache_dir: Path | None = None
    price_in: float | None = None
    """USD per million input tokens, for the progress bar's cost."""
    price_out: float | None = None
    progress: bool = True


@dataclass(slots=True)
class RunSummary:
    """What a run did."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    """Respondent → status → answers (including those from earlier runs)."""
    calls: int = 0
    """HTTP requests made by this run (retries included)."""
    cached: int = 0
    skipped: int = 0
    """Jobs already answered in the log."""
    input_tokens: int = 0
    output_tokens: int = 0
    model_ids: set[str] = field(default_factory=set)
    dropped: dict[str, list[str]] = field(default_factory=dict)
    """Condition → request parameters left out of its calls (rejected by the model and allowed
    to be dropped, or dropped by the SDK), in the order they were first met."""


class AdaptiveLimit:
    """A concurrency limit that backs off on 429 and grows while replies are clean."""

    def __init__(self, maximum: int, *, start: int | None = None) -> None:
        self.maximum = max(1, maximum)
        self.limit = float(min(self.maximum, start or self.maximum))
        self.active = 0
        self._slow_start = True
        self._cond = asyncio.Condition()

    async def acquire(self) -> None:
        """Wait for a free slot."""
        async with self._cond:
            await self._cond.wait_for(lambda: self.active < int(self.limit))
            self.active += 1

    async def release(self, *, throttled: bool) -> None:
        """Free a slot; cut the limit on a 429, grow it on a clean reply."""
        async with self._cond:
            self.active -= 1
            if throttled:
                self.limit = max(1.0, self.limit / 2)
                self._slow_start = False
            else:
                step = 1.0 if self._slow_start else 1.0 / self.limit
                self.limit = min(float(self.maximum), self.limit + step)
            self._cond.notify_all()


@dataclass(frozen=True, slots=True)
class Job:
    """One call to make."""

    condition: Condition
    item: Item
    epoch: int
    respondent: str


def respondent_id(provider: str, model: str, condition: str) -> str:
    """``model:<provider>/<model>/<condition>``."""
    return make_respondent("model", f"{provider}/{model}/{condition}")


def plan_jobs(bank: Bank, conditions: Sequence[Condition], config: RunConfig) -> list[Job]:
    """Every (condition, epoch, item) of the run, in a stable order."""
    items = [it for it in bank.items if it.split is not Split.TRAIN]
    if config.limit is not None:
        items = items[: config.limit]
    jobs = []
    for cond in conditions:
        who = respondent_id(config.provider, config.model, cond.name)
        for epoch in range(config.epochs or cond.epochs):
            jobs += [Job(cond, it, epoch, who) for it in items]
    return jobs


def dry_run(bank: Bank, conditions: Sequence[Condition], config: RunConfig, out: TextIO) -> int:
    """Print every prompt and the exact request body, writing the images beside ``config.out``
    (base64 data shown as ``file:<path>``); no request is made. Returns the number of calls."""
    import base64
    import hashlib
    import json

    images = sibling(config.out, "images")
    jobs = plan_jobs(bank, conditions, config)
    for job in jobs:
        prompt = build_prompt(bank, job.item, job.condition, epoch=job.epoch)
        body = json.dumps(
            build_body(config.provider, prompt, job.condition, model=config.model),
            ensure_ascii=False,
        )
        text = prompt_to_text(prompt)
        for img in prompt.images:
            digest = hashlib.sha256(img.png).hexdigest()[:12]
            path = images / f"{img.name.removesuffix('.png')}-{digest}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                path.write_bytes(img.png)
            text = text.replace(f"[image {img.name}]", f"[image {path}]", 1)
            body = body.replace(base64.b64encode(img.png).decode("ascii"), f"file:{path}")
        out.write(f"# respondent {job.respondent}\n{text}\n--- request body\n{body}\n\n")
    out.write(f"dry run: {len(jobs)} calls would be made; no request was sent\n")
    return len(jobs)


class Runner:
    """One run; see :func:`run_eval`."""

    def __init__(
        self,
        bank: Bank,
        conditions: Sequence[Condition],
        config: RunConfig,
        provider: Provider,
        sink: AnswerSink,
    ) -> None:
        self.bank, self.conditions, self.config = bank, conditions, config
        self.provider, self.sink = provider, sink
        self.requests = RequestLog(sibling(config.out, "requests.jsonl"))
        self.cache = ResponseCache(config.cache_dir)
        self.limit = AdaptiveLimit(config.concurrency)
        self.summary = RunSummary()
        self.rng = np.random.default_rng()
        self.abort: ProviderError | None = None
        self.interrupted = False
        self.bar: Any = None
        self.started = datetime.now(UTC).isoformat(timespec="seconds")
        self.learned: dict[str, tuple[str, ...]] = self._learned_before()
        """Condition → parameters its model rejected (allowed to be dropped): left out."""
        self.few_shot_short = few_shot_shortfall(self.bank, self.conditions)
        """Conditions asking for more few-shot examples than the bank has (issue 19)."""
        self._first_call: dict[str, asyncio.Event] = {}
        self._stopping = asyncio.Event()

    def stop(self, error: ProviderError) -> None:
        """The run must end: no new call starts (backoff waits end too); calls in flight finish."""
        if self.abort is None:
            self.abort = error
        self._stopping.set()

    def _learned_before(self) -> dict[str, tuple[str, ...]]:
        """The rejections an earlier run on the same answers file, provider and model learned."""
        old = read_json(sibling(self.config.out, "manifest.json")) or {}
        if old.get("provider") != self.provider.name or old.get("model") != self.config.model:
            return {}
        allowed = {c.name: set(c.allow_dropped) for c in self.conditions}
        learned = old.get("rejected")
        if not isinstance(learned, dict):
            return {}
        return {
            c: tuple(p for p in params if p in allowed[c])
            for c, params in learned.items()
            if c in allowed and isinstance(params, list)
        }

    async def run(self) -> RunSummary:
        """Make every call not yet answered; raise ProviderError when the run must stop."""
        if self.config.retry_errors:
            self.sink.drop_errors()
        done = self.sink.done()
        jobs = plan_jobs(self.bank, self.conditions, self.config)
        todo = [j for j in jobs if (j.respondent, j.item.id, j.epoch) not in done]
        self.summary.skipped = len(jobs) - len(todo)
        for name, n in self.few_shot_short.items():
            print(
                f"warning: condition {name} asks for {n['asked']} few-shot examples; the bank "
                f"has {n['shown']} training items, so its prompts show {n['shown']}",
                file=sys.stderr,
            )
        self.write_manifest("running")
        queue: asyncio.Queue[Job] = asyncio.Queue()
        for j in todo:
            queue.put_nowait(j)
        self.bar = _make_bar(len(todo), self.config.progress)
        workers = [
            asyncio.create_task(self._worker(queue)) for _ in range(max(1, self.config.concurrency))
        ]
        try:
            # a worker stops taking jobs once the run must stop, but finishes the one it has
            await asyncio.gather(*workers)
        except BaseException:  # Ctrl-C (cancelled) or a failure of our own: stop at once
            self.interrupted = True
            raise
        finally:
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            if self.bar is not None:
                self.bar.close()
            self.requests.close()
            self._count()
            self.write_manifest("aborted" if self.abort or self.interrupted else "finished")
        if self.abort is not None:
            raise self.abort
        return self.summary

    def _count(self) -> None:
        self.summary.counts = {}
        for (who, _, _), status in self.sink.done().items():
            self.summary.counts.setdefault(who, Counter())[status.value] += 1

    async def _worker(self, queue: asyncio.Queue[Job]) -> None:
        while not queue.empty() and self.abort is None:
            job = queue.get_nowait()
            await self._one(job)
            if self.bar is not None:
                self.bar.update(1)
                self.bar.set_postfix_str(self._postfix(), refresh=False)

    async def _turn(self, cond: Condition) -> bool:
        """Wait while the condition's first call finds out which parameters the model rejects;
        True when this job is that first call (it must then call :meth:`_settled`)."""
        if not cond.allow_dropped or cond.name in self.learned:
            return False
        first = self._first_call.get(cond.name)
        if first is None:
            self._first_call[cond.name] = asyncio.Event()
            return True
        await first.wait()
        return False

    def _settled(self, cond: Condition, rejected: tuple[str, ...]) -> None:
        self.learned[cond.name] = tuple(rejected)
        self._first_call[cond.name].set()

    def _note_dropped(self, cond: Condition, params: Sequence[str]) -> None:
        seen = self.summary.dropped.setdefault(cond.name, [])
        seen += [p for p in params if p not in seen]

    async def _one(self, job: Job) -> None:
        cond = job.condition
        prompt = build_prompt(self.bank, job.item, cond, epoch=job.epoch)
        body = build_body(self.config.provider, prompt, cond, model=self.config.model)
        key = ResponseCache.key(self.provider.name, self.provider.base_url, body, job.epoch)
        t0 = time.monotonic()
        hit = self.cache.get(key)
        dropped: tuple[str, ...] = ()
        attempts = 0
        if hit is not None:
            result: Reply | Failure = replay(
                hit.get("provider") or self.provider.name,
                hit.get("raw") or {},
                hit.get("sent") or {},
            )
            self.summary.cached += 1
        else:
            first = await self._turn(cond)
            if self.abort is not None:  # the run stopped while this job waited its turn
                if first:
                    self._settled(cond, ())
                return
            dropped = tuple(k for k in self.learned.get(cond.name, ()) if k in body)
            body = {k: v for k, v in body.items() if k not in dropped}
            try:
                called = await self._call(body)
                if called is None:  # stopped before this job was sent: nothing to write
                    return
                result, attempts = called
                if isinstance(result, Failure) and result.rejected:
                    if not set(result.rejected) <= set(cond.allow_dropped):
                        self.record(job, key, body, result, attempts, t0)
                        self.stop(
                            ProviderError(
                                f"the model rejected {', '.join(result.rejected)} "
                                f"({' '.join(result.message.split())}); the run "
                                f"stops so no answer silently lacks it — list it in allow_dropped "
                                f"of condition {cond.name!r} to run without it",
                                where=self.provider.name,
                                status=result.status,
                            )
                        )
                        return
                    dropped += result.rejected
                    self.learned[cond.name] = (*self.learned.get(cond.name, ()), *result.rejected)
                    self.record(job, key, body, result, attempts, t0)
                    body = {k: v for k, v in body.items() if k not in dropped}
                    called = await self._call(body)
                    if called is None:
                        return
                    result, more = called
                    attempts += more
            finally:
                if first:
                    self._settled(cond, self.learned.get(cond.name, ()))
        if dropped:
            self._note_dropped(cond, dropped)
        if isinstance(result, Reply) and result.dropped:
            self._note_dropped(cond, result.dropped)
            dropped += tuple(k for k in result.dropped if k not in dropped)
            if not set(result.dropped) <= set(cond.allow_dropped):
                self.record(job, key, body, result, attempts, t0)
                self.stop(
                    ProviderError(
                        f"the SDK did not send {', '.join(result.dropped)}; the run stops — list it in "
                        f"allow_dropped of condition {cond.name!r} to accept that",
                        where=self.provider.name,
                    )
                )
                return
        self.record(job, key, body, result, attempts, t0)
        if isinstance(result, Failure) and result.aborts_run:
            self.stop(
                ProviderError(
                    _abort_message(self.provider, result),
                    where=self.provider.name,
                    status=result.status,
                )
            )
            return
        if isinstance(result, Reply) and hit is None:
            self.cache.put(
                key,
                {
                    "raw": dict(result.raw),
                    "sent": dict(result.sent),
                    "provider": self.provider.name,
                },
            )
        self.sink.write(
            self.answer_of(
                job,
                prompt,
                result,
                dropped,
                attempts,
                time.monotonic() - t0,
                cached=hit is not None,
            )
        )

    async def _call(self, body: Mapping[str, Any]) -> tuple[Reply | Failure, int] | None:
        """Send with retries: (result, attempts); None when the run stopped before a reply
        came (nothing was paid for, so the job is left for a rerun)."""
        cfg = self.config
        result: Reply | Failure = Failure("client", "not called")
        for attempt in range(1, cfg.max_attempts + 1):
            await self.limit.acquire()
            throttled = False
            try:
                if self.abort is not None:
                    return None
                self.summary.calls += 1
                result = await self.provider.send(body, timeout=cfg.timeout)
                throttled = isinstance(result, Failure) and result.status == 429
            finally:
                await self.limit.release(throttled=throttled)
            if isinstance(result, Reply) or not result.retryable or attempt == cfg.max_attempts:
                return result, attempt
            if self.abort is not None:
                return None
            delay = result.retry_after
            if delay is None:
                delay = min(
                    cfg.backoff_max, cfg.backoff_base * 2 ** (attempt - 1)
                ) * self.rng.uniform(0.5, 1.5)
            with contextlib.suppress(TimeoutError):  # the run stopping ends the wait
                await asyncio.wait_for(self._stopping.wait(), min(delay, cfg.backoff_max))
        return result, cfg.max_attempts

    def record(
        self,
        job: Job,
        key: str,
        body: Mapping[str, Any],
        result: Reply | Failure,
        attempts: int,
        t0: float,
    ) -> None:
        """Append one exchange (or failure) to the request log."""
        rec: dict[str, Any] = {
            "respondent": job.respondent,
            "item": job.item.id,
            "epoch": job.epoch,
            "key": key,
            "attempts": attempts,
            "seconds": round(time.monotonic() - t0, 4),
            "sent": dict(result.sent) if result.sent else dict(body),
        }
        if isinstance(result, Reply):
            rec["response"] = dict(result.raw)
            rec["dropped_by_sdk"] = list(result.dropped)
        else:
            rec["error"] = {
                "kind": result.kind,
                "status": result.status,
                "message": result.message,
                "body": result.body,
                "rejected": list(result.rejected),
            }
        self.requests.append(rec)

    def answer_of(
        self,
        job: Job,
        prompt: Prompt,
        result: Reply | Failure,
        dropped: tuple[str, ...],
        attempts: int,
        seconds: float,
        *,
        cached: bool,
    ) -> Answer:
        """The answer of one job from its reply (parsed) or failure (an ``error`` answer)."""
        extra: dict[str, Any] = {
            "condition": job.condition.name,
            "order": prompt.order,
            "few_shot": list(prompt.few_shot),
            "stimulus_sent": prompt.sent_hash,
            "attempts": attempts,
            "seconds": round(seconds, 4),
            "cached": cached,
        }
        if dropped:
            extra["dropped"] = list(dropped)
        if isinstance(result, Failure):
            extra["error"] = {"kind": result.kind, "status": result.status}
            return Answer(
                job.respondent,
                job.item.id,
                job.epoch,
                {},
                None,
                None,
                Status.ERROR,
                result.message,
                prompt.stimulus,
                extra,
            )
        self.summary.input_tokens += result.input_tokens
        self.summary.output_tokens += result.output_tokens
        if result.model_id:
            self.summary.model_ids.add(result.model_id)
        parsed = parse_reply(
            result.text,
            prompt.probe_ids,
            stop_reason=result.stop_reason,
            refusal=result.refusal,
            features=prompt.features,
            require_hypothesis=job.condition.require_hypothesis,
            require_reasoning=job.condition.prompt.value != "direct",
        )
        extra.update(
            {
                "model_id": result.model_id,
                "stop_reason": result.stop_reason,
                "lazy": parsed.lazy,
                "parse": parsed.reason,
                "usage": {"input": result.input_tokens, "output": result.output_tokens},
            }
        )
        return Answer(
            job.respondent,
            job.item.id,
            job.epoch,
            prompt.to_bank_sides(parsed.choices),
            prompt.to_bank_values(parsed.hypothesis),
            parsed.confidence,
            parsed.status,
            parsed.rationale,
            prompt.stimulus,
            extra,
        )

    def _postfix(self) -> str:
        s, c = self.summary, self.config
        text = f"tok {s.input_tokens}+{s.output_tokens} limit {int(self.limit.limit)}"
        if c.price_in is not None and c.price_out is not None:
            text += f" ${(s.input_tokens * c.price_in + s.output_tokens * c.price_out) / 1e6:.2f}"
        return text

    def write_manifest(self, state: str) -> None:
        """Write the run manifest (``state``: running, finished or aborted)."""
        s = self.summary
        write_manifest(
            sibling(self.config.out, "manifest.json"),
            {
                "state": state,
                "started": self.started,
                "updated": datetime.now(UTC).isoformat(timespec="seconds"),
                "bank": {
                    "name": self.bank.name,
                    "version": self.bank.version,
                    "hash": self.bank.content_hash,
                },
                "provider": self.provider.name,
                "model": self.config.model,
                "base_url": self.provider.base_url,
                "model_ids": sorted(s.model_ids),
                "conditions": [c.to_json() for c in self.conditions],
                "few_shot_short": self.few_shot_short,
                "epochs_override": self.config.epochs,
                "limit": self.config.limit,
                "versions": {
                    "hhvalues": __version__,
                    "sdk": self.provider.sdk_version,
                    "python": platform.python_version(),
                    **_versions("httpx2", "httpx"),
                },
                "calls": s.calls,
                "cached": s.cached,
                "skipped": s.skipped,
                "dropped": {c: list(p) for c, p in s.dropped.items()},
                "rejected": {c: list(p) for c, p in self.learned.items() if p},
                "tokens": {"input": s.input_tokens, "output": s.output_tokens},
                "status_counts": {k: dict(v) for k, v in s.counts.items()},
            },
        )


def _versions(*names: str) -> dict[str, str]:
    out = {}
    for n in names:
        with contextlib.suppress(metadata.PackageNotFoundError):  # not installed: not listed
            out[n] = metadata.version(n)
    return out


def _abort_message(provider: Provider, f: Failure) -> str:
    spec = PROVIDERS.get(provider.name)
    hint = spec.key_env if spec is not None else "the provider's API key"
    if f.kind == "client":
        return f"{' '.join(f.message.split())} — check {hint} and the condition's params"
    what = {401: "authentication failed", 403: "permission denied", 404: "not found"}.get(
        f.status or 0, "request refused"
    )
    tail = (
        f" — check {hint}"
        if f.status in (401, 403)
        else f" — check the model name {provider.model!r}"
    )
    message = " ".join(f.message.split())
    return f"{what} ({f.status}): {message}{tail}"


def _make_bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]

    return tqdm(total=total, file=sys.stderr, unit="call", dynamic_ncols=True, mininterval=0.5)


async def run_eval(
    bank: Bank,
    conditions: Sequence[Condition],
    config: RunConfig,
    *,
    provider: Provider | None = None,
    sink_factory: Callable[[Path], AnswerSink] = JsonlSink,
) -> RunSummary:
    """Run every job not yet in the answer log; ProviderError when the run had to stop."""
    prov = provider or make_provider(config.provider, config.model, base_url=config.base_url)
    sink = sink_factory(config.out)
    try:
        return await Runner(bank, conditions, config, prov, sink).run()
    finally:
        sink.close()
        if provider is None:
            await prov.aclose()


__all__ = [
    "AdaptiveLimit",
    "Job",
    "RunConfig",
    "RunSummary",
    "Runner",
    "dry_run",
    "plan_jobs",
    "respondent_id",
    "run_eval",
]
