"""The SQL workspace's worker: every statement typed into 数据探索 or ``python -m etl query`` runs in a
child process of its own, with hard limits, so that no statement can stall, starve or crash the app.

Why a process: a running DuckDB statement can only be asked to stop, and a scalar function busy with
one long value (``levenshtein`` of two long strings …) does not ask; its memory is the app's memory;
and a second configuration of the warehouse file in the app process is refused (``streetdash.db``).
A child can be killed, its address space capped, and everything it held goes with it.

The child (:func:`main`, started as a small ``python -c`` entry):

1. caps itself: address space (``RLIMIT_AS``), CPU seconds (``RLIMIT_CPU``, a backstop should the app
   die), no file writes (``RLIMIT_FSIZE`` 0), no core dumps, and a lower priority than the pages;
2. opens the warehouse read-only with the locked configuration of ``streetdash.db`` plus DuckDB's
   ``memory_limit``, ``threads`` and no spilling to disk — or, for a user with a limited scope, builds
   the scoped database instead (``streetdash.scoped``), so no SQL can see rows outside the scope;
3. checks the statement (``sqlguard.check``) and runs it, streaming Arrow record batches and stopping
   at the row limit, or where the serialized result would pass the byte limit;
4. writes a JSON header and the Arrow IPC stream to its standard output, and exits.

The app (:func:`run`) refuses a query over the concurrency caps at once (no queue: a person sees at
once that they must wait), starts the child, reads at most the byte limit of its output, kills it
(SIGKILL) when the time limit passes, and always waits for it, so no process outlives its query.
Every limit is a setting (``streetdash.config``); each one that stops a query says so in Chinese.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import resource
import selectors
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from streetdash import scoped, sqlguard
from streetdash.access import Scope
from streetdash.config import PROJ_ROOT, int_setting, setting_number, warehouse_path
from streetdash.sqlguard import QueryError

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

# Rows per Arrow batch: one DuckDB vector, so the size of what comes is measured often.
BATCH_ROWS = 2048
# The child runs behind the pages: a busy workspace query yields the CPU to them.
NICENESS = 5
# Room above the byte limit for the header and the IPC framing.
FRAMING_BYTES = 1 << 20
_LENGTH = struct.Struct("<Q")

# Each limit and the setting it comes from.
SETTING_OF = {
    "timeout": "STREETDASH_SQL_TIMEOUT",
    "row_limit": "STREETDASH_SQL_MAX_ROWS",
    "result_mb": "STREETDASH_SQL_MAX_RESULT_MB",
    "memory_mb": "STREETDASH_SQL_MEMORY_MB",
    "process_mb": "STREETDASH_SQL_PROCESS_MB",
    "threads": "STREETDASH_SQL_THREADS",
    "per_user": "STREETDASH_SQL_PER_USER",
    "total": "STREETDASH_SQL_TOTAL",
}


@dataclass(frozen=True)
class Limits:
    """What one workspace query may use, and how many may run at once (see :data:`SETTING_OF`)."""

    timeout: float  # seconds of wall time, from the start of the process to the last byte
    row_limit: int  # rows returned at most (more are cut, with a notice)
    result_mb: float  # serialized size of the result at most (more rows are cut; a first row over it fails)
    memory_mb: int  # DuckDB's memory_limit in the child
    process_mb: int  # the child's whole address space (RLIMIT_AS)
    threads: int  # DuckDB's threads in the child
    per_user: int  # queries one user may run at once
    total: int  # queries the app process runs at once

    @classmethod
    def from_settings(cls, **overrides: float | int) -> Limits:
        """The limits of the settings (environment first, then defaults), with ``overrides`` on top."""
        values: dict[str, float | int] = {}
        for field in dataclasses.fields(cls):
            if field.name in overrides and overrides[field.name] is not None:
                values[field.name] = overrides[field.name]
                continue
            name = SETTING_OF[field.name]
            values[field.name] = setting_number(name) if field.type == "float" else int_setting(name)
        return cls(**values)

    @property
    def result_bytes(self) -> int:
        return int(self.result_mb * 1024 * 1024)

    def describe(self) -> str:
        """The limits in one Chinese phrase, for the SQL box's label."""
        return f"最多返回 {self.row_limit:,} 行、{self.result_mb:g} MB，{self.timeout:g} 秒超时"


@dataclass
class QueryResult:
    """What a statement returned: at most ``row_limit`` rows and the byte limit of them."""

    frame: pd.DataFrame
    truncated: bool  # rows were cut (by the row limit or the byte limit)
    row_limit: int
    seconds: float
    cut: str | None = None  # "rows" or "bytes" when truncated
    result_mb: float | None = None

    @property
    def notice(self) -> str | None:
        """The Chinese notice that the result was cut, or None."""
        if not self.truncated:
            return None
        if self.cut == "bytes":
            return (
                f"结果超过 {self.result_mb:g} MB 的上限，只显示前 {len(self.frame):,} 行；"
                "请只选需要的列、加筛选条件或聚合后再查。"
            )
        return f"结果超过 {self.row_limit:,} 行，只显示前 {self.row_limit:,} 行；请加筛选条件或聚合后再查。"


# Messages of the limits -------------------------------------------------------------------------


def limit_message(kind: str, limits: Limits, how: str = "") -> str:
    """The Chinese sentence for a query stopped by a limit: which limit, and what to do.

    ``how`` is what stopped it, for ``memory`` (DuckDB's message: a failed allocation means the
    process's address space, not DuckDB's own limit) and ``crashed`` (the exit status)."""
    if kind == "timeout":
        return (
            f"查询超过 {limits.timeout:g} 秒仍未完成，已中止（每条查询最多运行 {limits.timeout:g} 秒）。"
            "请缩小范围（加 WHERE 条件、LIMIT）或先聚合再查。"
        )
    if kind == "memory" and ("bad alloc" in how or "MemoryError" in how):
        return (
            f"查询进程的内存超过上限（{limits.process_mb:,} MB），已中止。"
            "请缩小范围、减少大表之间的连接（JOIN），或先聚合再查。"
        )
    if kind == "memory":
        return (
            f"查询所需内存超过上限（{limits.memory_mb:,} MB），已中止。"
            "请缩小范围、减少大表之间的连接（JOIN），或先聚合再查。"
        )
    if kind == "result_too_large":
        return (
            f"查询结果超过 {limits.result_mb:g} MB 的上限，一行也放不下，已中止。"
            "请只选需要的列（不要取整段长文本或几何列）、加 WHERE 条件或 LIMIT，或先聚合再查。"
        )
    if kind == "crashed":
        return (
            f"查询进程意外退出（{how}），已中止。多半是所需内存超过了查询进程的上限（{limits.process_mb:,} MB）；"
            "请缩小范围或先聚合再查，反复出现请联系管理员。"
        )
    raise ValueError(kind)


# Concurrency caps -------------------------------------------------------------------------------


class _Running:
    """The workspace queries running in this process, by user."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_user: Counter[str] = Counter()

    @contextmanager
    def slot(self, user: str, limits: Limits) -> Iterator[None]:
        """Hold a place for one query of ``user``, or raise ``QueryError("busy")`` at once."""
        with self._lock:
            if self._by_user[user] >= limits.per_user:
                raise QueryError(
                    "busy",
                    f"您已有 {self._by_user[user]} 条查询正在运行（每人同时最多 {limits.per_user} 条），"
                    "请等它完成后再运行。",
                )
            if sum(self._by_user.values()) >= limits.total:
                raise QueryError(
                    "busy",
                    f"现在共有 {limits.total} 条查询正在运行，已达同时运行的上限，请稍等几秒再运行。",
                )
            self._by_user[user] += 1
        try:
            yield
        finally:
            with self._lock:
                self._by_user[user] -= 1
                if not self._by_user[user]:
                    del self._by_user[user]

    def count(self) -> int:
        with self._lock:
            return sum(self._by_user.values())


RUNNING = _Running()


# The parent -------------------------------------------------------------------------------------


def run(
    sql: str,
    db: str | os.PathLike | None = None,
    *,
    scope: Scope | None = None,
    user: str = "",
    limits: Limits | None = None,
    row_limit: int | None = None,
    timeout: float | None = None,
) -> QueryResult:
    """Check and run ``sql`` on the warehouse ``db`` in a new worker process; see the module docstring.

    ``scope`` (default: everything) is what the statement may see; ``user`` whose concurrency cap it
    counts against; ``limits`` default to the settings, ``row_limit`` and ``timeout`` override them.
    Raises :class:`sqlguard.QueryError`: refused or failed statements as ``sqlguard`` explains them,
    and ``timeout``, ``memory``, ``result_too_large``, ``busy`` and ``crashed`` for the limits.
    """
    limits = limits or Limits.from_settings()
    limits = dataclasses.replace(
        limits,
        row_limit=limits.row_limit if row_limit is None else row_limit,
        timeout=limits.timeout if timeout is None else timeout,
    )
    scope = Scope.everything() if scope is None else scope
    path = Path(warehouse_path(db))
    if not path.exists():
        raise QueryError("failed", f"数仓文件不存在：{path}。请先导入台账（python -m etl load）或生成演示数仓。")
    with RUNNING.slot(user, limits):
        started = time.monotonic()
        header, payload = _run_child(_request(sql, path, scope, limits), limits, started)
        if header["status"] != "ok":
            kind = header["kind"]
            detail = header.get("detail") or ""
            message = (
                limit_message(kind, limits, detail) if kind in ("memory", "result_too_large") else header["message"]
            )
            raise QueryError(kind, message, header.get("detail"))
        frame = _frame(payload)
        del payload
        cut = header.get("cut")
        return QueryResult(frame, cut is not None, limits.row_limit, time.monotonic() - started, cut, limits.result_mb)


def _request(sql: str, path: Path, scope: Scope, limits: Limits) -> dict:
    from streetdash.db import connection_config  # not at the top: db imports pandas, the child needs none

    config = connection_config(
        memory_limit=f"{limits.memory_mb}MB",
        threads=limits.threads,
        temp_directory="",  # never spill to disk: a query over memory_limit stops with 内存不足
    )
    return {
        "sql": sql,
        "db": str(path.resolve()),
        "scope": {
            "streets": None if scope.streets is None else list(scope.streets),
            "communities": None if scope.communities is None else list(scope.communities),
        },
        "config": config,
        "row_limit": limits.row_limit,
        "result_bytes": limits.result_bytes,
        "process_bytes": limits.process_mb * 1024 * 1024,
        "cpu_seconds": math.ceil(limits.timeout * max(limits.threads, 1)) + 5,
    }


def _command() -> list[str]:
    # -I: no PYTHON* variables, no user site, no current directory on the path; -B: write no .pyc.
    entry = f"import sys; sys.path.insert(0, {str(PROJ_ROOT)!r}); from streetdash.sqlworker import main; main()"
    return [sys.executable, "-I", "-B", "-c", entry]


def _environment() -> dict[str, str]:
    """The child's environment: enough to run, none of the app's settings or secrets."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    return env


def _run_child(request: dict, limits: Limits, started: float) -> tuple[dict, memoryview]:
    deadline = started + limits.timeout
    proc = subprocess.Popen(
        _command(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_environment(),
        # A process group of its own, so a Ctrl-C in the terminal reaches only the parent (which kills
        # the child); not a session of its own, which would be a scheduler group of its own too and
        # undo the lower priority (NICENESS) under autogroup scheduling.
        process_group=0,
    )
    try:
        outcome, out, err = _exchange(
            proc, json.dumps(request).encode("utf-8"), deadline, limits.result_bytes + FRAMING_BYTES
        )
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()
    if outcome == "timeout":
        raise QueryError("timeout", limit_message("timeout", limits), "killed after the time limit")
    if outcome == "too_large":
        raise QueryError("result_too_large", limit_message("result_too_large", limits), "output over the limit")
    try:
        return _frames(out)
    except ValueError:
        pass
    code = proc.returncode
    if code == -signal.SIGXCPU:
        raise QueryError("timeout", limit_message("timeout", limits), "CPU time limit") from None
    how = f"信号 {signal.Signals(-code).name}" if code < 0 else f"退出码 {code}"
    log.warning("SQL worker died (%s): %s", how, err.decode("utf-8", "replace")[-2000:])
    raise QueryError("crashed", limit_message("crashed", limits, how), err.decode("utf-8", "replace")[-500:] or None)


def _exchange(proc: subprocess.Popen, request: bytes, deadline: float, limit: int) -> tuple[str, bytearray, bytes]:
    """Write ``request`` to the child and read everything it writes until it exits, all before
    ``deadline`` (a long statement never blocks on a full pipe): ("done" | "timeout" | "too_large",
    standard output, the tail of standard error)."""
    out, err = bytearray(), bytearray()
    pending = memoryview(request)
    with selectors.DefaultSelector() as selector:
        for stream, event in (
            (proc.stdin, selectors.EVENT_WRITE),
            (proc.stdout, selectors.EVENT_READ),
            (proc.stderr, selectors.EVENT_READ),
        ):
            os.set_blocking(stream.fileno(), False)
            selector.register(stream, event)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout", out, bytes(err)
            for key, _ in selector.select(remaining):
                if key.fileobj is proc.stdin:
                    try:
                        pending = pending[os.write(key.fd, pending) :]
                    except BlockingIOError:
                        continue
                    except BrokenPipeError:  # the child is gone already; its exit status says why
                        pending = pending[:0]
                    if not pending:
                        selector.unregister(proc.stdin)
                        proc.stdin.close()
                    continue
                try:
                    chunk = os.read(key.fd, 1 << 20)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.fileobj is proc.stdout:
                    out += chunk
                    if len(out) > limit:
                        return "too_large", out, bytes(err)
                else:
                    err += chunk
                    del err[:-8192]
    try:
        proc.wait(max(deadline - time.monotonic(), 0.05))
    except subprocess.TimeoutExpired:
        return "timeout", out, bytes(err)
    return "done", out, bytes(err)


def _frames(out: bytearray) -> tuple[dict, memoryview]:
    """The header and the payload the child wrote; ValueError when it did not finish writing them."""
    view = memoryview(out)
    if len(view) < _LENGTH.size:
        raise ValueError("no header")
    (size,) = _LENGTH.unpack_from(view)
    header_end = _LENGTH.size + size
    if len(view) < header_end + _LENGTH.size:
        raise ValueError("cut header")
    header = json.loads(bytes(view[_LENGTH.size : header_end]))
    (size,) = _LENGTH.unpack_from(view, header_end)
    payload = view[header_end + _LENGTH.size :]
    if len(payload) != size:
        raise ValueError("cut payload")
    return header, payload


def _frame(payload: memoryview) -> pd.DataFrame:
    """The Arrow IPC stream as a DataFrame, with numbers as DuckDB's own ``.df()`` gives them."""
    table = pa.ipc.open_stream(pa.py_buffer(payload)).read_all()
    for i, column in enumerate(table.schema):
        # DuckDB's df() turns DECIMAL and HUGEINT (sums of integers) into float64; Arrow would give Decimal objects.
        if pa.types.is_decimal(column.type):
            table = table.set_column(i, column.name, table.column(i).cast(pa.float64()))
    return table.to_pandas(date_as_object=True)


# The child --------------------------------------------------------------------------------------


def _limit_process(request: dict) -> None:
    def cap(which: int, value: int, hard: int | None = None) -> None:
        _, current = resource.getrlimit(which)
        hard = value if hard is None else hard
        if current != resource.RLIM_INFINITY:
            value, hard = min(value, current), min(hard, current)
        resource.setrlimit(which, (value, hard))

    cap(resource.RLIMIT_AS, request["process_bytes"])
    cap(resource.RLIMIT_CPU, request["cpu_seconds"], request["cpu_seconds"] + 2)  # SIGXCPU, then SIGKILL
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write to a file fails instead of killing
    cap(resource.RLIMIT_FSIZE, 0)
    cap(resource.RLIMIT_CORE, 0)
    os.nice(NICENESS)


def _scope(request: dict) -> Scope:
    streets, communities = request["scope"]["streets"], request["scope"]["communities"]
    return Scope(
        None if streets is None else tuple(streets),
        None if communities is None else tuple(communities),
    )


def _open(request: dict) -> duckdb.DuckDBPyConnection:
    scope = _scope(request)
    if scope.is_everything:
        return duckdb.connect(request["db"], read_only=True, config=request["config"])
    try:
        con, _ = scoped.connect(request["db"], scope, request["config"])
    except duckdb.OutOfMemoryException:
        raise
    except (duckdb.Error, RuntimeError) as error:
        raise QueryError("failed", "无法为您的数据范围准备查询数据库，请联系管理员。", str(error)) from None
    return con


def _fits(batch: pa.RecordBatch, room: int) -> pa.RecordBatch:
    """The longest head of ``batch`` whose serialized size is at most ``room`` bytes."""
    low, high = 0, batch.num_rows
    while low < high:
        middle = (low + high + 1) // 2
        if pa.ipc.get_record_batch_size(batch.slice(0, middle)) <= room:
            low = middle
        else:
            high = middle - 1
    return batch.slice(0, low)


def _collect(reader: pa.RecordBatchReader, row_limit: int, byte_limit: int) -> tuple[pa.Buffer, int, str | None]:
    """The result as an Arrow IPC stream of at most ``row_limit`` rows and about ``byte_limit`` bytes:
    (stream, rows, None | "rows" | "bytes"). Batches past the limits are never made."""
    sink = pa.BufferOutputStream()
    rows = size = 0
    cut = None
    with pa.ipc.new_stream(sink, reader.schema) as writer:
        for batch in reader:
            if not batch.num_rows:
                continue
            if rows >= row_limit:
                cut = "rows"  # a row beyond the limit exists
                break
            more = rows + batch.num_rows > row_limit
            batch = batch.slice(0, row_limit - rows) if more else batch
            cost = pa.ipc.get_record_batch_size(batch)
            if size + cost > byte_limit:
                batch = _fits(batch, byte_limit - size)
                cost = pa.ipc.get_record_batch_size(batch)
                cut = "bytes"
            if batch.num_rows:
                writer.write_batch(batch)
                rows += batch.num_rows
                size += cost
            if cut or more:
                cut = cut or "rows"
                break
    if cut == "bytes" and not rows:
        raise QueryError("result_too_large", "", f"the first row alone is over {byte_limit:,} bytes")
    return sink.getvalue(), rows, cut


def _answer(request: dict) -> tuple[dict, pa.Buffer | bytes]:
    con = _open(request)
    statement = sqlguard.check(request["sql"], con)
    relation = con.sql(statement)
    if relation is None:  # not a query after all: the guard lets none through, but say so if it did
        raise QueryError("refused", "不允许执行：这里只能查询（SELECT）。")
    stream, rows, cut = _collect(relation.to_arrow_reader(BATCH_ROWS), request["row_limit"], request["result_bytes"])
    return {"status": "ok", "rows": rows, "cut": cut}, stream


def _error(kind: str, message: str, detail: str | None) -> dict:
    return {"status": "error", "kind": kind, "message": message, "detail": detail}


def main() -> None:
    """The child: read the request from standard input, answer on standard output, exit."""
    # The answer goes to the original standard output alone; anything else printed (a warning, a
    # progress bar) goes to standard error, where it cannot garble the answer.
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    request = json.loads(sys.stdin.buffer.read())
    _limit_process(request)
    payload: pa.Buffer | bytes = b""
    try:
        header, payload = _answer(request)
    except QueryError as error:
        header = _error(error.kind, error.message, error.detail)
    except MemoryError:
        header = _error("memory", "", "MemoryError (address space limit)")
    except duckdb.Error as error:
        explained = sqlguard.explain(error)
        if "bad_alloc" in str(error) or "bad allocation" in str(error):
            explained = QueryError("memory", "", str(error))
        header = _error(explained.kind, explained.message, explained.detail)
    except Exception as error:  # noqa: BLE001 -- whatever happens, the app gets an answer
        header = _error("failed", "查询失败。", f"{type(error).__name__}: {error}")
    text = json.dumps(header, ensure_ascii=False).encode("utf-8")
    answer.write(_LENGTH.pack(len(text)))
    answer.write(text)
    answer.write(_LENGTH.pack(len(payload)))
    answer.write(payload)
    answer.flush()
    os._exit(0)  # no teardown: the database and its memory go with the process
