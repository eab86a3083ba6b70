"""Exports: tables as .xlsx / .csv bytes, figures as PNG / SVG bytes.

Pure functions of their inputs (no Streamlit): the pages, the report and the command line all call
them. Every text cell that a spreadsheet would read as a formula (it begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is neutralised, so an exported ledger value can never run in
Excel (CSV / formula injection, OWASP).

Figures are drawn by plotly.js in one headless Chromium (kaleido 1.x) that stays open for many
exports: starting a browser costs seconds, a render a few tenths of a second.
"""

from __future__ import annotations

import asyncio
import atexit
import datetime as dt
import io
import math
import os
import re
import shutil
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import kaleido
import pandas as pd
import plotly
import plotly.graph_objects as go
import xlsxwriter

from streetdash.config import setting
from streetdash.filters import Filters
from streetdash.metrics import load_catalogue

# Cells beginning with these are formulas (or DDE payloads) to Excel and LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
PNG_MIME = "image/png"
SVG_MIME = "image/svg+xml"

# Excel number formats by catalogue format: the spreadsheet shows what the page shows.
CATALOGUE_FORMATS = {"count": "#,##0", "rate": "0.0%", "days": "0.0", "ratio": "0.0", "points": "#,##0.##"}
_EXCEL_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


class ExportError(RuntimeError):
    """An export that could not be made; the message is a Chinese sentence for the user."""


# Tables ------------------------------------------------------------------------------------------


def neutralise(value):
    """``value`` made safe for a spreadsheet: text that would start a formula gets a leading ``'``.

    Numbers, dates and other text are returned unchanged (a negative number is a number, not text).
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if not (pd.api.types.is_numeric_dtype(frame[c]) or _is_datetime(frame[c]))]


def _is_datetime(series: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(series)


def table_to_csv(frame: pd.DataFrame) -> bytes:
    """The table as CSV: UTF-8 with a byte-order mark (so Excel reads Chinese right), comma-separated,
    headers as shown, formula-like text neutralised with a leading ``'``, missing values empty."""
    safe = frame.copy()
    for column in _text_columns(safe):
        safe[column] = safe[column].map(neutralise)
    for column in [c for c in safe.columns if _is_datetime(safe[c])]:
        values = safe[column]
        whole_days = (values.dropna() == values.dropna().dt.normalize()).all()
        safe[column] = values.dt.strftime("%Y-%m-%d" if whole_days else "%Y-%m-%d %H:%M:%S")
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    # CRLF rows as RFC 4180 and Excel write them; a field holding a line break is then quoted.
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def filter_rows(f: Filters | None) -> list[tuple[str, str]]:
    """The filters of a view as (label, value) rows for the 筛选条件 sheet."""
    if f is None:
        return []
    return [
        ("街道", f.street or "全部"),
        ("社区", "、".join(f.communities) if f.communities else "全部社区"),
        ("统计期", f.label()),
        ("起止日期", f"{f.start:%Y-%m-%d} 至 {f.end:%Y-%m-%d}"),
    ]


def number_formats(frame: pd.DataFrame, hints: Mapping[str, str] | None = None) -> dict[str, str]:
    """Excel number format of each numeric column: the caller's ``hints`` first (what the page shows),
    then the catalogue format of a column named like a metric (办结率 → 0.0%), then by dtype."""
    by_name = {m.name: m.format for m in load_catalogue().values()}
    formats = {}
    for column in frame.columns:
        series = frame[column]
        if hints and column in hints:
            formats[column] = hints[column]
        elif pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            continue
        elif column in by_name:
            formats[column] = CATALOGUE_FORMATS[by_name[column]]
        elif pd.api.types.is_integer_dtype(series):
            formats[column] = "0"
        else:
            formats[column] = "0.00"
    return formats


def formats_from_column_config(column_config: Mapping | None) -> dict[str, str]:
    """Excel number formats matching Streamlit ``column_config`` display formats (``percent``,
    ``%.1f 天``, ``localized``), so a spreadsheet shows the numbers as the page does."""
    formats = {}
    for column, config in (column_config or {}).items():
        display = (config or {}).get("type_config", {}).get("format") if isinstance(config, Mapping) else None
        if not isinstance(display, str):
            continue
        if display == "percent":
            formats[column] = "0.0%"
        elif display == "localized":
            formats[column] = "#,##0"
        elif match := re.fullmatch(r"%(?:\.(\d+))?([df])(.*)", display):
            decimals, kind, suffix = match.groups()
            digits = 0 if kind == "d" else int(decimals or 6)
            number = "0" + ("." + "0" * digits if digits else "")
            suffix = suffix.replace('"', "")
            formats[column] = number + (f'"{suffix}"' if suffix else "")
    return formats


def file_stem(name: str, f: Filters | None) -> str:
    """A download's file name without extension: what, where and when (超期未办结任务_崇北社区_2022年12月)."""
    if f is None:
        return _safe_file_name(name)
    where = "、".join(f.communities) if f.communities and len(f.communities) <= 2 else f.street or "全部"
    return _safe_file_name("_".join(part for part in (name, where, f.label().replace(" ", "")) if part))


# Characters no file name on Windows may hold, control characters, and the path separators: names
# come from ledgers (a community called 「a/b」 must not make a download a path).
_UNSAFE_IN_FILE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def _safe_file_name(stem: str) -> str:
    return _UNSAFE_IN_FILE_NAME.sub("_", stem).strip(" .")[:150] or "导出"


def _display_width(text: str) -> int:
    """Width in Excel character units: a Chinese character is two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _sheet_name(title: str) -> str:
    return _EXCEL_SHEET_NAME.sub("_", title)[:31] or "数据"


def table_to_xlsx(
    frame: pd.DataFrame,
    title: str = "数据",
    conditions: Sequence[tuple[str, str]] = (),
    *,
    formats: Mapping[str, str] | None = None,
    exported_at: dt.datetime | None = None,
) -> bytes:
    """The table as an .xlsx workbook.

    Sheet 1 (``title``): Chinese headers, frozen header row, an autofilter, typed cells (numbers as
    numbers with the page's number format, dates as dates, text as text; formula-like text is stored
    as text with Excel's quote prefix, so it shows unchanged and stays text when edited). Sheet 2
    (筛选条件): the ``conditions`` (filters) of the view and the time of export.
    """
    buffer = io.BytesIO()
    # strings_to_formulas off: a text cell is always text, whatever it begins with.
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True}
    )
    header = book.add_format({"bold": True, "bg_color": "#F2F2F2", "bottom": 1, "text_wrap": True, "valign": "top"})
    quoted = book.add_format({"quote_prefix": True})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    numeric = {c: book.add_format({"num_format": f}) for c, f in number_formats(frame, formats).items()}

    sheet = book.add_worksheet(_sheet_name(title))
    widths = []
    for col, name in enumerate(frame.columns):
        sheet.write_string(0, col, str(name), header)
        widths.append(_display_width(str(name)))
    for col, name in enumerate(frame.columns):
        series = frame[name]
        is_datetime = _is_datetime(series)
        for row, value in enumerate(series.tolist(), start=1):
            width = _write_cell(sheet, row, col, value, numeric.get(name), quoted, date_format, datetime_format)
            if is_datetime and width:
                width = 16
            widths[col] = max(widths[col], width)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(max(width + 2, 8), 60))
    sheet.freeze_panes(1, 0)
    if len(frame.columns):
        sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)

    about = book.add_worksheet("筛选条件")
    rows = [("表格", title), *conditions, ("行数", f"{len(frame):,}")]
    rows.append(("导出时间", f"{(exported_at or dt.datetime.now()):%Y-%m-%d %H:%M:%S}"))
    for row, (label, value) in enumerate(rows):
        about.write_string(row, 0, str(label), header)
        about.write_string(row, 1, str(neutralise(value)))
    about.set_column(0, 0, 12)
    about.set_column(1, 1, 60)
    book.close()
    return buffer.getvalue()


def _write_cell(sheet, row, col, value, number_format, quoted, date_format, datetime_format) -> int:
    """Write one typed cell; returns its display width (for the column width)."""
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        sheet.write_blank(row, col, None)
        return 0
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
        return 5
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isinf(value):
            sheet.write_string(row, col, str(value))
            return 4
        sheet.write_number(row, col, value, number_format)
        return min(len(f"{value:,.2f}"), 20)
    if isinstance(value, pd.Timestamp | dt.datetime):
        value = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        whole_day = value.hour == value.minute == value.second == 0
        sheet.write_datetime(row, col, value, date_format if whole_day else datetime_format)
        return 10 if whole_day else 16
    if isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), date_format)
        return 10
    text = str(value)
    # Stored as the text itself; the quote prefix keeps Excel from turning it into a formula on edit.
    sheet.write_string(row, col, text, quoted if _is_formula_like(text) else None)
    return _display_width(text)


# Figures -----------------------------------------------------------------------------------------

EXPORT_WIDTH, EXPORT_HEIGHT = 960, 540  # layout pixels (16:9); the PNG is scale× that
PNG_SCALE = 2
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# plotly.js from the installed plotly package: kaleido would otherwise fall back to a CDN.
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def browser_path() -> str:
    """The Chromium that draws exported figures: ``$BROWSER_PATH``, else chromium (or Chrome) on PATH.

    Raises :class:`ExportError` with a Chinese explanation when there is none; nothing is downloaded.
    """
    configured = setting("BROWSER_PATH")
    if configured:
        if Path(configured).is_file():
            return configured
        raise ExportError(f"导出图表失败：环境变量 BROWSER_PATH 指向的浏览器不存在（{configured}）。")
    for name in _BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise ExportError(
        "导出图表失败：未找到 Chromium 浏览器。请运行 `make system-deps` 安装（Debian 包 chromium），"
        "或用环境变量 BROWSER_PATH 指定 Chromium/Chrome 的路径。"
    )


class _Kaleido(kaleido.Kaleido):
    """kaleido's browser, returning an image before its tab has reloaded.

    kaleido reloads a tab (plotly.js parsed again, ~0.2 s) after every image and only then hands the
    image back. Here the reload runs in the background and a second tab serves the next export
    meanwhile, so an export costs the drawing alone (0.27 s instead of 0.40 s for the benchmark's
    chart). Overrides one private method of the pinned kaleido 1.5.0; the export tests exercise it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._reloads: set[asyncio.Task] = set()

    async def _return_kaleido_tab(self, tab) -> None:
        task = asyncio.create_task(super()._return_kaleido_tab(tab))
        self._reloads.add(task)
        task.add_done_callback(self._reloads.discard)

    async def settle_and_close(self) -> None:
        """Let pending tab reloads finish, then close the browser."""
        await asyncio.gather(*self._reloads, return_exceptions=True)
        await self.close()


class ChartExporter:
    """One headless Chromium, opened on first use and kept open, that turns figures into PNG/SVG.

    Thread-safe: Streamlit runs each session (and each deferred download) in its own thread, so
    calls are handed to one event loop that owns the browser. kaleido's own sync server is not
    used because its shared result queue can hand one caller another's image when two threads
    export at once, and it waits forever if the browser has died; here a dead browser is
    restarted once and a stuck render times out.
    """

    def __init__(self, browser: str | None = None, timeout: float = 60, env: Mapping[str, str] | None = None):
        self._browser = browser
        self._timeout = timeout
        self._env = dict(env or {})  # extra environment for the browser process (tests: fonts)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    @property
    def browser_pid(self) -> int | None:
        """The process id of the browser while it is open (for tests and diagnostics)."""
        process = getattr(self._kaleido, "subprocess", None)
        return process.pid if process is not None else None

    def _run(self, coroutine, timeout: float):
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _open(self, browser: str):
        saved = {k: os.environ.get(k) for k in self._env}
        os.environ.update(self._env)  # the browser inherits the environment when it starts
        try:
            engine = _Kaleido(n=2, timeout=self._timeout, plotlyjs=str(PLOTLY_JS), mathjax=False, path=browser)
            await engine.open()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        return engine

    def _start(self) -> None:
        browser = self._browser or browser_path()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="chart-export", daemon=True)
        self._thread.start()
        try:
            self._kaleido = self._run(self._open(browser), timeout=self._timeout)
        except Exception as error:
            self._stop_loop()
            raise ExportError(f"导出图表失败：无法启动浏览器 {browser}（{error}）。") from error

    def _stop_loop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._loop is not None and not self._loop.is_running():
            self._loop.close()
        self._loop, self._thread = None, None

    def close(self) -> None:
        """Close the browser (it starts again on the next export). Safe to call more than once."""
        with self._lock:
            if self._kaleido is not None:
                try:
                    self._run(self._kaleido.settle_and_close(), timeout=20)
                except Exception:  # noqa: BLE001 - closing a browser that already died
                    process = getattr(self._kaleido, "subprocess", None)
                    if process is not None and process.poll() is None:
                        process.kill()
                self._kaleido = None
            self._stop_loop()

    def _render(self, fig: go.Figure | dict, opts: dict) -> bytes:
        with self._lock:
            if self._kaleido is None:
                self._start()
            engine = self._kaleido
        return self._run(engine.calc_fig(fig, opts=opts), timeout=self._timeout + 5)

    def render(
        self,
        fig: go.Figure | dict,
        fmt: str = "png",
        *,
        width: int | None = None,
        height: int | None = None,
        scale: float = PNG_SCALE,
    ) -> bytes:
        """The figure as ``png`` or ``svg`` bytes, at ``width`` × ``height`` layout pixels (the
        figure's own size, else 960 × 540) and, for PNG, ``scale`` times that many pixels."""
        if fmt not in ("png", "svg"):
            raise ValueError(f"unsupported format: {fmt}")
        spec = fig.to_dict() if isinstance(fig, go.Figure) else fig
        layout = spec.get("layout", {})
        opts = dict(
            format=fmt,
            width=width or layout.get("width") or EXPORT_WIDTH,
            height=height or layout.get("height") or EXPORT_HEIGHT,
            scale=scale if fmt == "png" else 1,
        )
        try:
            return self._render(spec, opts)
        except ExportError:
            raise
        except Exception:  # noqa: BLE001 - the browser may have died: start a new one, once
            self.close()
            try:
                return self._render(spec, opts)
            except ExportError:
                raise
            except Exception as error:
                raise ExportError(f"导出图表失败：浏览器未能绘制图表（{type(error).__name__}: {error}）。") from error


_shared: ChartExporter | None = None
_shared_lock = threading.Lock()


def chart_exporter() -> ChartExporter:
    """The process-wide exporter (one browser for the app, the report and the command line)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ChartExporter()
            atexit.register(_shared.close)
        return _shared


def figure_png(fig: go.Figure | dict, scale: float = PNG_SCALE, **size) -> bytes:
    """The figure as PNG bytes (2× scale by default), drawn by the shared browser."""
    return chart_exporter().render(fig, "png", scale=scale, **size)


def figure_svg(fig: go.Figure | dict, **size) -> bytes:
    """The figure as SVG bytes (text stays text, so Chinese is drawn by the viewer's fonts)."""
    return chart_exporter().render(fig, "svg", **size)


def shutdown() -> None:
    """Close the shared browser, if one is open."""
    if _shared is not None:
        _shared.close()
