"""Batch ingest at scale: skip unchanged files, extract in parallel, write from one process.

The main process reads each file's bytes and hashes them; a file whose hash and whose
pipeline and ruleset versions match the stored ones is skipped without loading jieba or
the rules. The others are extracted by workers (in-process, a process pool, or a
``dask.distributed`` cluster), which return plain rows; the main process is the single
writer and commits the documents extracted in the last quarter second (or the last
:data:`COMMIT_DOCS`) together. Killing the process at any moment loses at most the
documents not yet committed; the next run redoes just those.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import multiprocessing
import os
import select
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from . import PIPELINE_VERSION, versions
from .errors import BulletinError, InputError
from .formats import decode_source, format_of, read_bytes
from .io import display_path, expand_paths, terminal_line
from .store import Store, StoreUnavailable
from .store.rows import document_rows
from .versions import ruleset_version

#: Tasks kept in flight per worker: enough to hide latency, few enough to bound memory.
IN_FLIGHT_PER_WORKER = 4

#: With one worker, up to this many files are extracted in this process; more go to one
#: worker process so that extracting and writing overlap (starting it costs about as much
#: as a few small files).
IN_PROCESS_UP_TO = 8

#: The writer commits the documents extracted since its last commit together, when they
#: are this many or the oldest has waited this long (and at the end): a commit per
#: document cost the writer more than the rows themselves. A killed run loses at most
#: these. ``$BULLETIN_NLP_COMMIT_SECONDS`` sets the wait (0: each document as it comes).
COMMIT_DOCS = 16
COMMIT_SECONDS = 0.25
COMMIT_SECONDS_ENV = "BULLETIN_NLP_COMMIT_SECONDS"

#: Years ``--issue-year`` may give (a date needs four digits).
ISSUE_YEARS = (1000, 9999)


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cap_workers(workers: int, *, force: bool = False) -> tuple[int, str | None]:
    """``workers`` limited to the CPU count unless ``force``; with a warning when cut.

    Each worker holds the pipeline (about 200 MB): more workers than CPUs only add
    memory, not speed.
    """
    cpus = cpu_count()
    if workers <= cpus or force:
        return workers, None
    return cpus, (
        f"--workers {workers} is more than the {cpus} CPUs here: using {cpus} "
        "(--force-workers to insist)"
    )


def commit_seconds() -> float:
    """How long the writer may hold extracted documents before committing them."""
    value = os.environ.get(COMMIT_SECONDS_ENV)
    if value is None:
        return COMMIT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise BulletinError(f"${COMMIT_SECONDS_ENV} is {value!r}: expected seconds from 0 to 3600")
    return seconds


def check_issue_year(issue_year: int | None) -> None:
    """Refuse an issue year that cannot be a date's (negative, five digits...)."""
    if issue_year is not None and not ISSUE_YEARS[0] <= issue_year <= ISSUE_YEARS[1]:
        raise BulletinError(
            f"issue year {issue_year} is not a year from {ISSUE_YEARS[0]} to {ISSUE_YEARS[1]}"
        )


@dataclass
class Outcome:
    """What a worker made of one file: rows to store, or the reason it failed."""

    path: str
    rows: dict[str, list[dict[str, Any]]] | None = None
    error: str | None = None
    chars: int = 0
    ruleset: str = ""
    pipeline: str = PIPELINE_VERSION
    model: str | None = None


@dataclass
class BatchStats:
    """Counts of one batch run (the ``runs`` row and the CLI summary come from it)."""

    processed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    #: A file with the same bytes as another of this batch, or as a document stored
    #: under another path: not stored again (path -> that other path).
    duplicates: dict[str, str] = field(default_factory=dict)
    #: Files of a folder that are of no format read here (``.xlsx``...): not read.
    unsupported: list[str] = field(default_factory=list)
    chars: int = 0
    seconds: float = 0.0
    run_id: int = 0


def model_version() -> str | None:
    """The version of the trained model stage if it runs in this process, else None.

    Read from the model's metadata without loading it, so skipping stays cheap; a
    document extracted with another model (or with it off) counts as changed.
    """

    try:
        return versions.model_version() if versions.model_enabled() else None
    except (OSError, ValueError, KeyError):  # the model files are missing
        return None


# -- the worker side --------------------------------------------------------------------


def settings() -> dict[str, str]:
    """This process's ``BULLETIN_NLP_*`` environment (model switch, rules folder...)."""
    return {k: v for k, v in os.environ.items() if k.startswith("BULLETIN_NLP_")}


def warm_up(env: dict[str, str] | None = None, parent: int | None = None) -> None:
    """Load the rules and the segmenter once per worker, before the first real file.

    ``env``: the writer's :func:`settings`, applied first. Workers fork from a forkserver
    started by the first pool of the process, whose environment may be older.
    ``parent``: the writer's process id; the worker ends itself when that process dies.
    """
    if parent is not None:
        watch_parent(parent)
    if env is not None:
        for key in [k for k in os.environ if k.startswith("BULLETIN_NLP_")]:
            if key not in env:
                del os.environ[key]
        os.environ.update(env)
    from .pipeline import process_text

    process_text("2022年4月26日，民政部在北京召开会议。")


def watch_parent(pid: int) -> None:
    """End this process as soon as process ``pid`` is gone (killed with SIGKILL, say).

    A pool's workers come from a forkserver, not from the writer, and each holds both
    ends of the task queue, so nothing tells them that the writer died: they (and the
    forkserver, which lives while they do) would wait forever, 200 MB each. A daemon
    thread waits on the writer's pidfd (or polls where there is none) and exits hard.
    """

    def wait() -> None:
        try:
            fd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            fd = None
        if fd is not None:
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            while not poller.poll(None):
                pass
            os._exit(1)
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except OSError:
                pass
            time.sleep(0.5)

    threading.Thread(target=wait, name="watch-parent", daemon=True).start()


def extract_task(path: str, data: bytes, source_sha256: str, issue_year: int | None) -> Outcome:
    """Decode and extract one file into store rows (runs in a worker process or on dask)."""
    from .pipeline import process_text

    ruleset = ruleset_version()
    model = model_version()
    try:
        source = _decode(path, data)
        doc = process_text(source.text, path, encoding=source.encoding, issue_year=issue_year)
        rows = document_rows(
            doc, ruleset, source_sha256=source_sha256, fmt=source.format, model_version=model
        )
    except BulletinError as exc:
        return Outcome(path, error=_reason(path, str(exc)), ruleset=ruleset, model=model)
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop a batch
        reason = f"{path}: internal error ({type(exc).__name__}: {exc})"
        return Outcome(path, error=reason, ruleset=ruleset, model=model)
    return Outcome(path, rows=rows, chars=len(source.text), ruleset=ruleset, model=model)


def _decode(path: str, data: bytes) -> Any:

    return decode_source(data, path, format_of(path))


def _reason(path: str, message: str) -> str:
    """Errors already name their file; make sure every failure line does."""
    return message if message.startswith(path) else f"{path}: {message}"


# -- executors ---------------------------------------------------------------------------


class Executor:
    """Runs :func:`extract_task` calls; ``submit`` returns a future, ``wait`` some done."""

    workers = 1
    name = "serial"

    def submit(self, *args: Any) -> Future[Outcome]:
        future: Future[Outcome] = Future()
        future.set_result(extract_task(*args))
        return future

    def wait(self, pending: set[Any], timeout: float | None = None) -> tuple[set[Any], set[Any]]:
        """Some done futures (and the rest), or none if ``timeout`` seconds pass first."""
        return set(pending), set()

    def close(self) -> None:
        """Release workers."""


class ProcessExecutor(Executor):
    """A pool of worker processes (forkserver: safe with the progress bar's thread)."""

    name = "processes"

    def __init__(self, workers: int):

        self.workers = workers
        self.pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("forkserver"),
            initializer=warm_up,
            initargs=(settings(), os.getpid()),
        )

    def submit(self, *args: Any) -> Future[Outcome]:
        return self.pool.submit(extract_task, *args)

    def wait(self, pending: set[Any], timeout: float | None = None) -> tuple[set[Any], set[Any]]:
        done, rest = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
        return set(done), set(rest)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """Extraction mapped over a ``dask.distributed`` cluster (the optional ``dask`` extra).

    ``address`` is a scheduler address (``tcp://host:8786``) or ``local`` for a
    ``LocalCluster`` of ``workers`` processes on this machine.
    """

    def __init__(self, address: str, workers: int):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise BulletinError(
                "--dask needs the optional extra: pip install 'bulletin-nlp[dask]'"
            ) from None
        self.cluster = None
        try:
            if address == "local":
                self.cluster = LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
                self.client = Client(self.cluster)
            else:
                self.client = Client(address, timeout="30s")
        except OSError as exc:
            raise BulletinError(f"cannot reach dask scheduler {address}: {exc}") from None
        self.name = f"dask {address}"
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})) or workers)
        # A local cluster shares this machine's files: give it this process's settings.
        self.client.run(warm_up, settings() if address == "local" else None)

    def submit(self, *args: Any) -> Any:
        return self.client.submit(extract_task, *args, pure=False)

    def wait(self, pending: set[Any], timeout: float | None = None) -> tuple[set[Any], set[Any]]:
        from distributed import wait

        try:
            done, rest = wait(list(pending), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:  # dask raises where concurrent.futures returns nothing done
            return set(), set(pending)
        return set(done), set(rest)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(workers: int = 1, dask: str | None = None, *, files: int = 0) -> Executor:
    """The executor for ``--workers`` / ``--dask``; ``files``: how many need extracting
    (at least), which decides whether one worker runs in this process or beside it."""
    if workers < 1:
        raise BulletinError(f"--workers must be at least 1, not {workers}")
    if dask:
        return DaskExecutor(dask, workers)
    if workers == 1 and files <= IN_PROCESS_UP_TO:
        return Executor()
    return ProcessExecutor(workers)


# -- progress ----------------------------------------------------------------------------


class Progress:
    """A rich progress bar (documents/s, ETA) on a terminal; plain log lines otherwise."""

    def __init__(self, total: int, *, live: bool | None = None, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.total = total
        self.done = 0
        self.counts = {"processed": 0, "skipped": 0, "duplicate": 0, "failed": 0}
        self.started = time.perf_counter()
        self.last_log = self.started
        self.live = self.stream.isatty() if live is None else live
        self.bar: Any = None
        if self.live:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(
                TextColumn("ingest"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]:>7.1f} docs/s"),
                TextColumn("{task.fields[summary]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self.task = self.bar.add_task("ingest", total=total, rate=0.0, summary="")
            self.bar.start()

    def rate(self) -> float:
        elapsed = time.perf_counter() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def advance(self, kind: str) -> None:
        """Count one file as ``processed``, ``skipped``, ``duplicate`` or ``failed``."""
        self.done += 1
        self.counts[kind] += 1
        if self.bar is not None:
            c = self.counts
            same = f", {c['duplicate']} duplicate" if c["duplicate"] else ""
            summary = f"{c['processed']} new, {c['skipped']} unchanged{same}, {c['failed']} failed"
            self.bar.update(self.task, advance=1, rate=self.rate(), summary=summary)
            return
        now = time.perf_counter()
        if now - self.last_log >= 5.0 or self.done == self.total:
            self.last_log = now
            self.log_line()

    def log_line(self) -> None:
        rate = self.rate()
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        c = self.counts
        same = f", {c['duplicate']} duplicate" if c["duplicate"] else ""
        print(
            f"ingest: {self.done}/{self.total} files ({c['processed']} extracted, "
            f"{c['skipped']} unchanged{same}, {c['failed']} failed), {rate:.1f} docs/s, "
            f"ETA {_clock(left)}",
            file=self.stream,
            flush=True,
        )

    def error(self, line: str) -> None:
        """One failure line, printed above the bar (never over it), or as a plain line."""
        if self.bar is not None:
            self.bar.console.print(line, markup=False, highlight=False)
        else:
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _counts(stats: BatchStats, more: int = 0) -> dict[str, int]:
    """The ``runs`` columns counting files (``more``: documents about to be committed)."""
    return {
        "processed": len(stats.processed) + more,
        "skipped": len(stats.skipped),
        "duplicates": len(stats.duplicates),
        "unsupported": len(stats.unsupported),
        "failed": len(stats.failed),
    }


def _store_findings(store: Store, run_id: int, bar: Progress | None) -> None:
    """Check the database after an ingest that stored something and keep the findings
    (``check_findings``), so researchers and Datasette see them. A check that fails is
    a warning: the documents are stored all the same."""
    try:
        from .check import check, store_findings

        store_findings(store, check(store), trigger="ingest", ingest_run=run_id)
    except StoreUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - the ingest itself succeeded
        line = f"warning: findings not stored ({type(exc).__name__}: {terminal_line(exc)})"
        if bar is not None:
            bar.error(line)
        else:
            print(line, file=sys.stderr, flush=True)


def _clock(seconds: float) -> str:
    s = int(seconds + 0.5)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


# -- the writer side ----------------------------------------------------------------------


@dataclass
class _Task:
    path: str
    data: bytes | None = None
    sha: str = ""
    error: str | None = None
    same_as: str | None = None  # a duplicate: the path holding the same bytes


def _tasks(
    paths: Iterable[Path],
    current: dict[str, tuple[str | None, str, str, str | None]],
    ruleset: str,
    model: str | None,
) -> Iterator[_Task]:
    """Read and hash each file; a file stored with the same hash and versions is skipped
    (``data`` is None), one that cannot be read carries its error.

    A file whose bytes equal a current document stored under another path, or another
    file of this batch, is a duplicate (``same_as``): documents are keyed by content, so
    storing it again would only replace the other.
    """
    versions = (PIPELINE_VERSION, ruleset, model)
    by_sha = {v[0]: k for k, v in current.items() if v[1:] == versions}
    for path in paths:
        name = display_path(path)  # a name that is not UTF-8 is stored with %FF escapes
        try:
            data = read_bytes(path)
        except InputError as exc:
            yield _Task(name, error=str(exc))
            continue
        sha = hashlib.sha256(data).hexdigest()
        other = by_sha.get(sha, name)
        if current.get(name) == (sha, *versions):
            yield _Task(name, sha=sha)
        elif other != name:
            yield _Task(name, sha=sha, same_as=other)
        else:
            by_sha[sha] = name  # a later file with these bytes is its duplicate
            yield _Task(name, data, sha)


def _drain(items: list[_Task]) -> Iterator[_Task]:
    """Yield and drop the looked-ahead tasks, so their bytes are freed as they go."""
    while items:
        yield items.pop(0)


def run_batch(
    paths: list[str | Path],
    db_path: str | Path,
    *,
    issue_year: int | None = None,
    workers: int = 1,
    dask: str | None = None,
    progress: bool | None = False,
    on_error: Callable[[str, str], None] | None = None,
    stream: TextIO | None = None,
) -> tuple[BatchStats, dict[str, int]]:
    """Ingest files or folders into ``db_path``; return the stats and the table counts.

    ``progress``: True for a rich bar, None to show one only on a terminal (plain log
    lines otherwise), False for silence. ``on_error(path, reason)`` is called once per
    failed file; the batch goes on.
    """
    check_issue_year(issue_year)
    hold = commit_seconds()
    unlisted: list[tuple[str, str]] = []  # folders that could not be listed
    unsupported: list[Path] = []
    files = expand_paths(
        list(paths),
        on_error=lambda path, reason: unlisted.append((path, reason)),
        unsupported=unsupported,
    )
    store = Store.open(db_path)
    ruleset = ruleset_version()
    model = model_version()
    stats = BatchStats(unsupported=[display_path(p) for p in unsupported])
    started = time.perf_counter()
    # Recorded until the executor starts (one worker may still move to a process).
    planned = f"dask {dask}" if dask else ("processes" if workers > 1 else "serial")
    stats.run_id = store.start_run(ruleset, planned, workers, len(files))
    executor: Executor | None = None  # started at the first file to extract
    bar = Progress(len(files), live=progress, stream=stream) if progress is not False else None

    def fail(path: str, reason: str) -> None:
        stats.failed[path] = reason
        if bar is not None:
            bar.advance("failed")
            if on_error is None:  # through the bar: above it, never printed over it
                bar.error(f"error: {terminal_line(reason)}")
        if on_error is not None:
            on_error(path, reason)

    # Extracted, not yet committed (oldest first): each outcome with its rows.
    unwritten: list[tuple[Outcome, dict[str, list[dict[str, Any]]]]] = []
    oldest = 0.0  # when the first of them arrived

    def finish(outcome: Outcome) -> None:
        nonlocal oldest
        if outcome.error is not None or outcome.rows is None:
            fail(outcome.path, outcome.error or f"{outcome.path}: no result")
            return
        theirs = (outcome.pipeline, outcome.ruleset, outcome.model)
        if theirs != (PIPELINE_VERSION, ruleset, model):
            fail(
                outcome.path,
                f"{outcome.path}: worker runs {'/'.join(map(str, theirs))}, this process "
                f"{PIPELINE_VERSION}/{ruleset}/{model}: install the same version, rules "
                "and model settings on every worker",
            )
            return
        if not unwritten:
            oldest = time.perf_counter()
        unwritten.append((outcome, outcome.rows))
        if len(unwritten) >= COMMIT_DOCS:
            commit()

    def stored(outcome: Outcome) -> None:
        stats.processed.append(outcome.path)
        stats.chars += outcome.chars
        if bar is not None:
            bar.advance("processed")

    def commit() -> None:
        """Store the extracted documents not yet stored: together, or, if that fails,
        one by one so that only the bad one fails."""
        batch = unwritten[:]
        unwritten.clear()
        if not batch:
            return
        try:
            # The run's counts are updated in the same transaction, so a killed run's
            # row counts exactly what it committed.
            store.write_many(
                [rows for _o, rows in batch], run=(stats.run_id, _counts(stats, len(batch)))
            )
        except StoreUnavailable:
            raise  # the database takes no more documents (disk full...): stop the run
        except BulletinError as exc:
            if len(batch) == 1:
                fail(batch[0][0].path, str(exc))
                return
            for outcome, rows in batch:
                try:
                    store.write_rows(rows, run=(stats.run_id, _counts(stats, 1)))
                except StoreUnavailable:
                    raise
                except BulletinError as one:
                    fail(outcome.path, str(one))
                    continue
                stored(outcome)
            return
        for outcome, _rows in batch:
            stored(outcome)

    def due() -> float | None:
        """Seconds until the unwritten documents must be committed (None: there are none)."""
        if not unwritten:
            return None
        return max(0.0, oldest + hold - time.perf_counter())

    in_flight: dict[Any, str] = {}  # in-flight future -> its file

    def collect(executor: Executor, pending: set[Any]) -> set[Any]:
        done, rest = executor.wait(pending, due())
        for future in done:
            path = in_flight.pop(future)
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker died (OOM, killed): go on
                outcome = Outcome(path, error=f"{path}: worker failed ({type(exc).__name__})")
            finish(outcome)
        if due() == 0.0:
            commit()
        return rest

    status = "interrupted"
    try:
        for path, reason in unlisted:
            fail(path, reason)
        pending: set[Any] = set()
        tasks = _tasks(files, store.current_sources(), ruleset, model)
        # Look ahead until it is clear whether more than a few files need extracting.
        head: list[_Task] = []
        to_extract = 0
        for task in tasks:
            head.append(task)
            to_extract += task.data is not None
            if to_extract > IN_PROCESS_UP_TO:
                break
        for task in itertools.chain(_drain(head), tasks):
            if task.error is not None:
                fail(task.path, task.error)
            elif task.same_as is not None:
                stats.duplicates[task.path] = task.same_as
                if bar is not None:
                    bar.advance("duplicate")
            elif task.data is None:
                stats.skipped.append(task.path)
                if bar is not None:
                    bar.advance("skipped")
            else:
                if executor is None:
                    executor = make_executor(workers, dask, files=to_extract)
                future = executor.submit(task.path, task.data, task.sha, issue_year)
                in_flight[future] = task.path
                pending.add(future)
            while (
                executor is not None
                and pending
                and (
                    len(pending) >= executor.workers * IN_FLIGHT_PER_WORKER
                    or executor.name == "serial"
                )
            ):
                pending = collect(executor, pending)
        while executor is not None and pending:
            pending = collect(executor, pending)
        commit()
        if stats.processed:
            _store_findings(store, stats.run_id, bar)
        status = "failed" if stats.failed else "done"
    except StoreUnavailable as exc:
        status = "failed"
        raise StoreUnavailable(
            f"{exc}: stopped after storing {len(stats.processed)} of {len(files)} files; "
            "the next run finishes the rest"
        ) from None
    except BulletinError:
        status = "failed"  # e.g. no dask scheduler at that address
        raise
    finally:
        failing = sys.exc_info()[0] is not None
        if executor is not None:
            executor.close()
        if bar is not None:
            bar.close()
        stats.seconds = time.perf_counter() - started
        try:
            store.finish_run(
                stats.run_id,
                status=status,
                executor=executor.name if executor is not None else planned,
                workers=executor.workers if executor is not None else workers,
                **_counts(stats),
                chars=stats.chars,
                seconds=round(stats.seconds, 3),
                failures=json.dumps(stats.failed, ensure_ascii=False),
            )
        except BulletinError:
            if not failing:  # else the first error is the one to report
                raise
    return stats, store.counts()
