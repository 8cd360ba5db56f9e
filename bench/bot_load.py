"""Load on the Discord bot: simulated users against the fake Discord, every answer checked and timed.

    python bench/bot_load.py [--users 50] [--seconds 30] [--papers N] [--think 0.5] [--baseline-seconds 10]
                             [--archive-after 30] [--fail-on-late] [--tracemalloc] [--json]

The real bot (`PapersBot`, the real library) runs in its own process against papers_bot.testing.fakediscord, so what is
measured there is the bot alone: its event loop's lag (a task that sleeps 10 ms and notes how late it wakes,
and how much of that the loop's own thread spent running) and its memory (RSS, and with --tracemalloc the
Python heap) sampled through the run. First one user alone runs for --baseline-seconds, so answer times
under load can be read against the unloaded ones of the same run. Then this process plays the
users: each sends a search (`!papers`, `!search`, `/papers`), a paper id, an author, `!stats`, a question in
the answer channel, a mention, a DM or a follow-up in the thread of an earlier answer, waits for the answer,
thinks for a moment and sends the next, until the time is up. An answer is the bot's reply to the message
(or the interaction's response); each message must get exactly one, and the time to it is the answer time.
The fake archives a thread after --archive-after seconds without a message (30; Discord does so after the
thread's auto-archive duration, 60 minutes for the bot's answer threads), as discord.py keeps every thread
it has seen until then: the run is compressed in time, so that is too.

Exits with status 1 if a message went unanswered, was answered twice or with the bot's apology for an
unexpected error, or the bot's loop was blocked: a watchdog thread found the loop's thread inside one
callback (computing, sleeping, waiting on I/O or a lock) for over 100 ms; where it was is printed. A wake-up
over 100 ms late while the loop's thread sat in the selector (the loop idle, its thread waiting for a CPU
or for the GIL held by a search thread) is counted and printed, and fails the run only with --fail-on-late:
on a shared 2-core machine it measures the neighbours as much as the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
import traceback
import tracemalloc
import types
from dataclasses import dataclass
from pathlib import Path

from common import machine

import papers_bot
from papers_bot.bot.client import SOMETHING_WENT_WRONG
from papers_bot.library import Library
from papers_bot.testing.fakediscord import FakeDiscord

BLOCKED_MS = 100.0  # a loop held longer than this is a blocked bot
TICK = 0.01  # the loop monitor's sleep
SAMPLE_EVERY = 0.25  # seconds between memory samples
SETTLE = 1.0  # seconds to wait after the last answer for any late duplicate
ANSWER_TIMEOUT = 30.0
ARCHIVE_AFTER = 30.0  # seconds without a message before the fake archives a thread (Discord: 60 minutes)
SEED = 20261123

# What users send, and how often (weights).
KINDS = {"search": 3, "alias": 1, "slash": 1, "paper": 2, "unknown_paper": 0.5, "author": 1, "stats": 0.5,
         "help": 0.5, "question": 3, "mention": 1, "dm": 0.5, "followup": 1}


@dataclass
class Sent:
    id: int  # the message's id, or the interaction's: what the answer refers to
    user: str
    kind: str
    text: str
    at: float  # time.monotonic() when sent
    answered: float | None = None


class Workload:
    """What the simulated users say, made from the library's own titles, ids and authors."""

    def __init__(self, titles: list[str], ids: list[str], authors: list[str], papers: int = 0) -> None:
        self.words = [w for t in titles for w in t.split() if len(w) > 3 and w.isalpha()]
        self.ids, self.authors, self.papers = ids, authors, papers

    @classmethod
    def of(cls, library: Library, sample: int = 500) -> Workload:
        rows = list(library.db.query("select id, display_title from papers order by random() limit ?", [sample]))
        names = [r["name"] for r in library.db.query("select distinct name from paper_authors limit ?", [sample])]
        return cls([r["display_title"] for r in rows], [r["id"] for r in rows], names, library.db["papers"].count)

    def topic(self, rng: random.Random) -> str:
        return " ".join(rng.sample(self.words, rng.randint(1, 3)))

    def message(self, kind: str, rng: random.Random) -> tuple[str, str]:
        """(channel, text) for a kind of message; "slash" gives the query."""
        topic = self.topic(rng)
        return {
            "search": ("general", f"!papers {topic}"),
            "alias": ("general", f"!search {topic}"),
            "slash": ("general", topic),
            "paper": ("general", f"!paper {rng.choice(self.ids)}"),
            "unknown_paper": ("general", f"!paper no-such-paper-{rng.randint(0, 10**6)}"),
            "author": ("general", f"!author {rng.choice(self.authors)}"),
            "stats": ("general", "!stats"),
            "help": ("general", "!help"),
            "question": ("papers", f"which papers are about {topic}?"),
            "mention": ("general", topic),
            "dm": ("dm", f"{topic}?"),
            "followup": ("", f"and what about {topic}?"),
        }[kind]


async def send(fake: FakeDiscord, user: str, kind: str, channel: str | int, text: str) -> int:
    """Send one message (or run /papers); the id its answer will refer to."""
    if kind == "slash":
        return int((await fake.slash("papers", {"query": text}, user=user))["id"])
    return int((await fake.send_message(channel, user, text, mention_bot=kind == "mention"))["id"])


async def thread_on(fake: FakeDiscord, answer_id: int, wait: float = 2.0) -> int | None:
    """The thread the bot starts on its answer to a question (it shares the answer's id), once it exists."""
    deadline = time.monotonic() + wait
    while answer_id not in fake.threads and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return answer_id if answer_id in fake.threads else None


async def user(fake: FakeDiscord, name: str, workload: Workload, sent: list[Sent], *, seed: int,
               messages: int | None = None, until: float | None = None, think: float = 0.0) -> None:
    """One user: send, wait for the answer, think, repeat; `messages` of them or until `until`."""
    rng = random.Random(f"{seed}-{name}")
    thread: int | None = None
    kinds = [k for k in KINDS if k != "followup"]
    count = 0
    while (messages is None or count < messages) and (until is None or time.monotonic() < until):
        count += 1
        kind = "followup" if thread and rng.random() < 0.3 else rng.choices(kinds, [KINDS[k] for k in kinds])[0]
        channel, text = workload.message(kind, rng)
        message_id = await send(fake, name, kind, thread if kind == "followup" and thread else channel, text)
        record = Sent(message_id, name, kind, text, time.monotonic())
        sent.append(record)
        try:
            answer = await fake.wait_for_answer(message_id, timeout=ANSWER_TIMEOUT)
        except AssertionError:
            continue  # counted as missing
        record.answered = time.monotonic()
        if kind in ("question", "mention"):
            thread = await thread_on(fake, answer["id"]) or thread
        if think:
            await asyncio.sleep(rng.uniform(0, 2 * think))


async def drive(fake: FakeDiscord, users: list[str], workload: Workload, *, seed: int = SEED,
                messages: int | None = None, seconds: float | None = None, think: float = 0.0) -> list[Sent]:
    """All users at once; returns every message sent, with when it was answered."""
    sent: list[Sent] = []
    until = None if seconds is None else time.monotonic() + seconds
    await asyncio.gather(*(user(fake, name, workload, sent, seed=seed, messages=messages, until=until, think=think)
                           for name in users))
    return sent


def check(fake: FakeDiscord, sent: list[Sent]) -> dict:
    """Exactly one answer per message: which are missing, which were answered more than once, which were
    answered with the bot's apology for an unexpected error, and stray replies (to messages not sent here)."""
    ids = {s.id for s in sent}
    answers = {s.id: fake.answers.get(s.id, []) for s in sent}
    return {
        "sent": len(sent),
        "answered": sum(1 for s in sent if answers[s.id]),
        "missing": [(s.kind, s.text) for s in sent if not answers[s.id]],
        "duplicated": [(s.kind, s.text) for s in sent if len(answers[s.id]) > 1],
        "failed": [(s.kind, s.text) for s in sent if any(SOMETHING_WENT_WRONG in a["content"] for a in answers[s.id])],
        "stray": [i for i in fake.answers if i not in ids],
    }


def rss_kb() -> dict[str, int]:
    """The process's resident memory in kB by kind (RssAnon: the heaps; RssFile: mapped files, the index and
    libraries; RssShmem). Reading /proc does not wait on a disk, so the loop may call it."""
    with open("/proc/self/status") as f:
        return {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in f) if k.startswith("Rss")}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


# ---- the bot's process ---------------------------------------------------------------------------------


class LoopWatch:
    """How late the event loop runs a task that sleeps TICK; and, from a watchdog thread, where the loop's
    thread is whenever that task is over 100 ms late: waiting in the selector (the loop is idle, its thread
    waits for a CPU or the GIL) or inside a callback that holds the loop (blocked: the place is kept)."""

    def __init__(self) -> None:
        self.lags_ms: list[float] = []
        self.memory: list[tuple[float, float, float, float | None]] = []  # (s, RSS, anonymous RSS, traced) MB
        self.beat = time.monotonic()  # when the lag task last ran
        # by the beat it followed: (ms held so far, where, ms of it on a CPU, ms waiting in the run queue)
        self.blocked: dict[float, tuple[float, str, float, float]] = {}

    async def lag(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = self.beat = loop.time()
            await asyncio.sleep(TICK)
            self.lags_ms.append((loop.time() - start - TICK) * 1000)

    def watchdog(self, loop_thread: int, native_id: int, stop: threading.Event) -> None:
        """Runs in its own thread, looking at the loop's thread whenever the lag task is overdue. The kernel's
        count of the thread's time on a CPU and waiting for one (schedstat) splits a hold into work, a busy
        machine, and the rest (sleeping, I/O, or waiting for the GIL)."""
        last_beat, since = None, (0, 0)
        while not stop.wait(TICK):
            beat = self.beat
            with open(f"/proc/self/task/{native_id}/schedstat") as f:
                on_cpu, queued = (int(x) for x in f.read().split()[:2])
            if beat != last_beat:
                last_beat, since = beat, (on_cpu, queued)
            held = (time.monotonic() - beat - TICK) * 1000  # the loop's clock is time.monotonic()
            frame = sys._current_frames().get(loop_thread)
            if held > BLOCKED_MS and frame is not None and frame.f_code.co_name != "select":
                where = self.blocked[beat][1] if beat in self.blocked else place(frame)  # where it was first seen
                self.blocked[beat] = (held, where, (on_cpu - since[0]) / 1e6, (queued - since[1]) / 1e6)

    async def sample_memory(self) -> None:
        start = time.monotonic()
        while True:
            kb = rss_kb()
            traced = tracemalloc.get_traced_memory()[0] / 2**20 if tracemalloc.is_tracing() else None
            self.memory.append((time.monotonic() - start, sum(kb.values()) / 1024, kb["RssAnon"] / 1024, traced))
            await asyncio.sleep(SAMPLE_EVERY)

    def summary(self) -> dict:
        def thirds(column: int) -> dict:
            values = [v for m in self.memory if (v := m[column]) is not None]
            third = max(1, len(values) // 3)
            return {"start": values[0], "middle": values[len(values) // 2], "end": values[-1],
                    "first_third_mean": statistics.fmean(values[:third]),
                    "last_third_mean": statistics.fmean(values[-third:]),
                    "by_tenth": [values[min(len(values) - 1, len(values) * i // 10)] for i in range(1, 11)]}

        return {
            "loop_lag_max_ms": max(self.lags_ms),
            "loop_lag_p99_ms": percentile(self.lags_ms, 99),
            "loop_late": sum(1 for lag in self.lags_ms if lag > BLOCKED_MS),
            "loop_blocked": sorted(self.blocked.values(), reverse=True),  # longest first
            "rss_mb": thirds(1),
            "rss_anon_mb": thirds(2),
            "traced_mb": thirds(3) if self.memory[0][3] is not None else None,
        }


def place(frame: types.FrameType) -> str:
    """Where a thread is: the innermost frame, and the innermost in the bot's code if that is another."""
    def at(f: types.FrameType) -> str:
        return f"{Path(f.f_code.co_filename).name}:{f.f_lineno} {f.f_code.co_name}"

    bot_code = str(Path(papers_bot.__file__).parent)
    ours = next((f for f, _ in traceback.walk_stack(frame) if f.f_code.co_filename.startswith(bot_code)), None)
    return at(frame) if ours in (None, frame) else f"{at(frame)} in {at(ours)}"


async def serve() -> None:
    """Run the bot as `papers-bot run` does (configured by the environment) until SIGTERM; print its figures."""
    from papers_bot.bot.client import PapersBot, run
    from papers_bot.config import Config

    watch = LoopWatch()
    monitors: list[asyncio.Task] = []
    stop_watchdog = threading.Event()

    async def measure_from_now(bot: PapersBot) -> None:
        monitors.extend([asyncio.create_task(watch.lag()), asyncio.create_task(watch.sample_memory())])
        loop_thread = (threading.get_ident(), threading.get_native_id(), stop_watchdog)
        threading.Thread(target=watch.watchdog, args=loop_thread, daemon=True).start()
        bot.add_listener(stop_measuring, "on_disconnect")  # SIGTERM: the close is not the bot's lag under load
        print("ready", flush=True)

    async def stop_measuring() -> None:
        stop_watchdog.set()
        for task in monitors:
            task.cancel()

    config = Config.load()
    assert config.token, "measure() gives the bot the fake's token"
    status = await run(config, when_ready=measure_from_now)
    await stop_measuring()
    assert status == 0, f"the bot exited with status {status}"
    print(json.dumps(watch.summary()), flush=True)


# ---- the users' process --------------------------------------------------------------------------------


def build_library(folder: Path, papers: int) -> Workload:
    """The bundled sample, plus `papers` synthetic ones (bench/scale.py's generator) when asked."""
    library = Library(folder / "papers.db")
    try:
        if papers:
            import scale

            listing = folder / "synthetic.jsonl"
            scale.generate(listing, papers)
            library.load([listing])
        return Workload.of(library)
    finally:
        library.close()


async def archive_idle_threads(fake: FakeDiscord, idle: float) -> None:
    """Discord archives a thread after its auto-archive duration without a message (the bot asks for 60
    minutes), and discord.py then drops it from its cache; the run is compressed, so the fake does it after
    `idle` seconds."""
    while True:
        await asyncio.sleep(1.0)
        await fake.archive_idle_threads(idle)


async def measure(folder: Path, workload: Workload, *, users: int = 50, seconds: float | None = 30.0,
                  messages: int | None = None, think: float = 0.5, cooldown: str = "1000/60",
                  tracing: bool = False, archive_after: float = ARCHIVE_AFTER) -> dict:
    """Run the bot on folder/papers.db in a child process and the users here; the checked and timed result."""
    names = [f"user{i}" for i in range(users)]
    fake = FakeDiscord(users=names)
    await fake.start()
    env = {**os.environ, "DISCORD_TOKEN": fake.token, "DISCORD_API_BASE": fake.api_base,
           "DISCORD_GATEWAY_URL": fake.gateway_url, "PAPERS_BOT_DB": str(folder / "papers.db"),
           "PAPERS_BOT_ANSWER_CHANNELS": "papers", "PAPERS_BOT_COOLDOWN": cooldown,
           "PYTHONTRACEMALLOC": "1" if tracing else ""}
    bot = await asyncio.create_subprocess_exec(sys.executable, __file__, "--serve", env=env,
                                               stdout=asyncio.subprocess.PIPE)
    assert bot.stdout is not None  # a pipe
    try:
        if (await asyncio.wait_for(bot.stdout.readline(), 60)).strip() != b"ready":
            raise RuntimeError("the bot did not start")
        started, load_start = time.monotonic(), os.getloadavg()[0]
        archiver = asyncio.create_task(archive_idle_threads(fake, archive_after))
        sent = await drive(fake, names, workload, messages=messages, seconds=seconds, think=think)
        elapsed = time.monotonic() - started
        archiver.cancel()
        await asyncio.sleep(SETTLE)
        bot.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(bot.communicate(), 60)
    finally:
        if bot.returncode is None:
            bot.kill()
        await fake.stop()
    latencies = [(s.answered - s.at) * 1000 for s in sent if s.answered is not None]
    return {
        "users": users, "seconds": round(elapsed, 1), "papers": workload.papers, "think_s": think,
        **check(fake, sent),
        "messages_per_s": len(sent) / elapsed,
        "answer_p50_ms": percentile(latencies, 50), "answer_p99_ms": percentile(latencies, 99),
        "answer_max_ms": max(latencies, default=float("nan")),
        "status_429": fake.status_429, "load_start": load_start, "load_end": os.getloadavg()[0],
        **json.loads(out.decode().strip().splitlines()[-1]),
        "machine": machine(),
    }


def failures(result: dict, *, late: bool = False) -> list[str]:
    """What breaks the promises: a message not answered exactly once, or the loop's own thread holding it
    over 100 ms; with `late`, also any wake-up over 100 ms late (a quiet machine's standard)."""
    out = []
    if result["missing"] or result["duplicated"] or result["failed"] or result["stray"]:
        out.append(f"{len(result['missing'])} missing, {len(result['duplicated'])} answered twice, "
                   f"{len(result['failed'])} failed, {len(result['stray'])} stray answers")
    if result["loop_blocked"]:
        ms, where, *_ = result["loop_blocked"][0]
        out.append(f"a callback held the loop over {BLOCKED_MS:.0f} ms {len(result['loop_blocked'])} times "
                   f"(longest {ms:.0f} ms, at {where})")
    if late and result["loop_late"]:
        out.append(f"the loop woke over {BLOCKED_MS:.0f} ms late {result['loop_late']} times "
                   f"(max {result['loop_lag_max_ms']:.0f} ms)")
    return out


def report(r: dict) -> str:
    def memory(name: str, m: dict | None) -> str:
        if m is None:
            return ""
        return (f"{name}: start {m['start']:.1f} MB, middle {m['middle']:.1f} MB, end {m['end']:.1f} MB; "
                f"first third {m['first_third_mean']:.1f} MB, last third {m['last_third_mean']:.1f} MB "
                f"({m['last_third_mean'] / m['first_third_mean']:.3f}x); by tenths of the run: "
                f"{', '.join(f'{v:.0f}' for v in m['by_tenth'])} MB\n")

    return (
        f"{r['users']} users for {r['seconds']} s against {r['papers']:,} papers ({r['machine']})\n"
        f"messages: {r['sent']} sent ({r['messages_per_s']:.1f}/s), {r['answered']} answered, "
        f"{len(r['missing'])} missing, {len(r['duplicated'])} answered twice, {len(r['failed'])} failed "
        f"(\"Something went wrong\"), {len(r['stray'])} stray\n"
        f"answer time: p50 {r['answer_p50_ms']:.1f} ms, p99 {r['answer_p99_ms']:.1f} ms, "
        f"max {r['answer_max_ms']:.1f} ms"
        + (f"; one user alone, same run: p50 {b['answer_p50_ms']:.1f} ms, p99 {b['answer_p99_ms']:.1f} ms "
           f"({r['answer_p50_ms'] / b['answer_p50_ms']:.1f}x, {r['answer_p99_ms'] / b['answer_p99_ms']:.1f}x)"
           if (b := r.get("baseline")) else "") + "\n"
        f"bot event loop: max lag {r['loop_lag_max_ms']:.1f} ms, p99 {r['loop_lag_p99_ms']:.1f} ms, "
        f"{r['loop_late']} lags over {BLOCKED_MS:.0f} ms; held by a callback over {BLOCKED_MS:.0f} ms "
        f"(blocked): {len(r['loop_blocked'])} times"
        + "".join(f"\n  {ms:.0f} ms at {where}: {cpu:.0f} ms on a CPU, {queued:.0f} ms waiting for one, the rest "
                  f"sleeping, in I/O or waiting for the GIL" for ms, where, cpu, queued in r["loop_blocked"][:5])
        + "\n"
        f"load average (1 min) at start/end: {r['load_start']:.1f} / {r['load_end']:.1f}\n"
        + memory("bot RSS", r["rss_mb"]) + memory("bot RSS, anonymous (heaps; not mapped files)", r["rss_anon_mb"])
        + memory("bot Python heap (tracemalloc)", r["traced_mb"])
        + f"429s from the fake: {r['status_429']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--papers", type=int, default=0, help="synthetic papers added to the sample")
    parser.add_argument("--think", type=float, default=0.5, help="mean pause (s) between a user's messages")
    parser.add_argument("--cooldown", default="1000/60", help="the bot's per-user limit (lifted, so searches run)")
    parser.add_argument("--baseline-seconds", type=float, default=10.0,
                        help="first run one user alone this long, to compare answer times (0: skip)")
    parser.add_argument("--archive-after", type=float, default=ARCHIVE_AFTER,
                        help="seconds without a message after which the fake archives a thread (Discord: the "
                             "thread's auto-archive duration, 60 minutes for the bot's answer threads)")
    parser.add_argument("--tracemalloc", action="store_true", help="also sample the bot's Python heap")
    parser.add_argument("--fail-on-late", action="store_true",
                        help="also fail when the loop wakes over 100 ms late for any reason (CPU or GIL contention)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the bot's process
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve())
        return 0
    options = {"think": args.think, "cooldown": args.cooldown, "tracing": args.tracemalloc,
               "archive_after": args.archive_after}
    with tempfile.TemporaryDirectory() as tmp:
        workload = build_library(Path(tmp), args.papers)
        baseline = asyncio.run(measure(Path(tmp), workload, users=1, seconds=args.baseline_seconds, **options)) \
            if args.baseline_seconds else None
        result = asyncio.run(measure(Path(tmp), workload, users=args.users, seconds=args.seconds, **options))
    result["baseline"] = baseline
    print(json.dumps(result, indent=2) if args.json else report(result))
    problems = failures(result, late=args.fail_on_late)
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    for kind, text in (result["missing"] + result["duplicated"] + result["failed"])[:10]:
        print(f"  {kind}: {text}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
