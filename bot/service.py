"""The Library as the bot's event loop uses it: every call runs in this facade's own worker threads.

A blocking call on the event loop stalls every other user's answer and the gateway's heartbeat, so the cogs never
call the Library (or `asyncio.to_thread`) themselves: they `await bot.papers.run(fn, ...)`, which runs
`fn(library, ...)` in the facade's executor (datasette's `execute_fn` is the model): a reply function of
`bot.replies`, or `lambda library: library.search(...)`. The facade does not own the
Library: whoever created it closes it (`bot.client.run`), off the event loop too.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Concatenate, ParamSpec, TypeVar

from papers_bot.library import Library

P = ParamSpec("P")
T = TypeVar("T")
WORKERS = 4  # searches at once: more would only queue on the GIL and the machine's cores


class LibraryThreads:
    def __init__(self, library: Library, *, workers: int = WORKERS) -> None:
        self.library = library
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="papers-bot-library")

    async def run(self, call: Callable[Concatenate[Library, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`call(library, *args, **kwargs)` in a worker thread; the event loop goes on meanwhile."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(call, self.library, *args, **kwargs))

    async def aclose(self) -> None:
        """Let the calls already running finish (in a thread of the loop's own, never blocking it); no new ones."""
        await asyncio.get_running_loop().run_in_executor(None, functools.partial(self._executor.shutdown, wait=True))

