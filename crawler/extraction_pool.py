"""Where a crawl's pages are extracted: threads while few pages wait, worker processes once they queue up.

Extraction (``planwatch.extraction.extract_or_reason``) is CPU-bound Python and
lxml. In threads of the crawl process it shares one core with Scrapy and the
database writer, because of the GIL; a large crawl then leaves the other cores
idle. Worker processes remove that limit but cost about a second to start (the
forkserver imports trafilatura and the gazetteer once, then forks each worker).

So a crawl starts with ``threads`` threads and starts ``processes`` worker
processes the first time more than ``backlog`` pages wait for extraction: a
scheduled run that finds a handful of new articles never pays for processes, a
first crawl of a site of thousands of pages uses every core. Once started, the
processes serve the rest of the crawl.

A worker that dies (a crash in a C library on a hostile page, the OOM killer)
costs the pages it and its siblings had in hand: each is rejected with the
reason, not stored, and so fetched again next run; the next page starts a new pool.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from extractors.topics import TopicVocabulary
from planwatch.records import Article, Capture, Extraction

log = logging.getLogger("planwatch.crawler")

Extracted = tuple[Article, Extraction] | str

# The extractors' import graph, loaded once in the forkserver so that each worker is a cheap fork.
PRELOAD = ["planwatch.extraction", "datasketch"]
DEFAULT_BACKLOG = 8


def default_processes() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _worker_started(crawl_pid: int) -> None:
    # Ctrl-C reaches the whole process group; the crawl process decides what stops, not the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(crawl_pid,), name="planwatch-crawl-watch", daemon=True).start()


def _exit_with(crawl_pid: int) -> None:
    """End this worker when the crawl process ends, however it ends.

    A worker outlives a crawl that was killed (SIGKILL, the OOM killer): it waits on
    its call queue, whose write end it holds itself, and it holds the forkserver's
    liveness pipe, so neither it nor the forkserver would ever see the crawl go.
    """
    try:
        fd = os.pidfd_open(crawl_pid)
    except ProcessLookupError:
        os._exit(0)
    except (AttributeError, OSError):  # no pidfd (not Linux 5.3+): poll
        while True:
            time.sleep(1.0)
            try:
                os.kill(crawl_pid, 0)
            except ProcessLookupError:
                os._exit(0)
    select.select([fd], [], [])  # readable once the process has exited
    os._exit(0)


class ExtractionPool:
    """``await pool.extract(capture)`` → ``(article, extraction)`` or the one-line reason it was refused.

    Used from coroutines on the crawl's asyncio loop (Scrapy's asyncio reactor);
    ``extract`` is the function run per capture (a module-level one, so that a worker
    process can be handed it).
    """

    def __init__(self, threads: int, processes: int | None = None, backlog: int = DEFAULT_BACKLOG,
                 extract: Callable[[Capture], Extracted] | None = None,
                 vocabulary: TopicVocabulary | None = None) -> None:
        self.threads = threads
        self.processes = default_processes() if processes is None else processes
        self.backlog = backlog
        self._function = extract
        self.vocabulary = vocabulary  # the configured plan families, handed to every extraction
        self.waiting = 0  # captures handed to ``extract`` and not finished
        self.started_processes = 0  # pools started (more than one after a worker died)
        self._threads: ThreadPoolExecutor | None = None
        self._processes: ProcessPoolExecutor | None = None

    @property
    def function(self) -> Callable[[Capture], Extracted]:
        # Imported at the first page: a crawl that finds nothing new never loads the extractors.
        if self._function is None:
            from planwatch.extraction import extract_or_reason

            # A partial of a module-level function: a worker process can be handed it.
            self._function = functools.partial(extract_or_reason, vocabulary=self.vocabulary)
        return self._function

    async def extract(self, capture: Capture) -> Extracted:
        self.waiting += 1
        try:
            if self._wants_processes():
                return await self._in_process(capture)
            return await asyncio.get_running_loop().run_in_executor(self._thread_pool(), self.function, capture)
        finally:
            self.waiting -= 1

    def close(self) -> None:
        for executor in (self._threads, self._processes):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        self._threads = self._processes = None

    def _thread_pool(self) -> ThreadPoolExecutor:
        if self._threads is None:
            self._threads = ThreadPoolExecutor(self.threads, thread_name_prefix="planwatch-extract")
        return self._threads

    def _wants_processes(self) -> bool:
        if self._processes is None and self.processes > 0 and self.waiting > self.backlog:
            self._processes = self._start_processes()
        return self._processes is not None

    def _start_processes(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        self.started_processes += 1
        log.info("%d pages wait for extraction: starting %d extraction processes", self.waiting, self.processes)
        return ProcessPoolExecutor(self.processes, mp_context=context, initializer=_worker_started,
                                   initargs=(os.getpid(),))

    async def _in_process(self, capture: Capture) -> Extracted:
        executor = self._processes
        assert executor is not None
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, self.function, capture)
        except BrokenProcessPool:
            self._drop(executor)
            return "extraction failed: the extraction process died (out of memory, or a crash on this page)"

    def _drop(self, executor: ProcessPoolExecutor) -> None:
        if self._processes is executor:  # the first of the pages the dead worker took down
            log.warning("an extraction process died; the pages it had are rejected and fetched again next run")
            self._processes = None
            executor.shutdown(wait=False, cancel_futures=True)
