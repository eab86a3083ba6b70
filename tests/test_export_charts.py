"""Chart export through one long-lived headless Chromium (kaleido): sizes, Chinese glyphs (not tofu),
one browser for many images, a clean shutdown, and safe use from several threads."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image

from streetdash import charts, export


def _has_browser() -> bool:
    try:
        return bool(export.browser_path())
    except export.ExportError:
        return False


pytestmark = pytest.mark.skipif(not _has_browser(), reason="Chromium not installed (make system-deps)")
GLYPHS = "办结率调解就业网格"
CELL = 100


@pytest.fixture(scope="module")
def exporter():
    engine = export.ChartExporter()
    yield engine
    engine.close()


def glyph_figure(text: str) -> go.Figure:
    """One character per 100-pixel cell, large and black, with the dashboard's font stack."""
    fig = go.Figure(
        layout=dict(
            width=CELL * len(text),
            height=160,
            margin=dict(l=0, r=0, t=0, b=0),
            xaxis=dict(visible=False),
            yaxis=dict(visible=False),
            paper_bgcolor="white",
            plot_bgcolor="white",
        )
    )
    for i, character in enumerate(text):
        fig.add_annotation(
            text=character,
            x=(i + 0.5) / len(text),
            y=0.5,
            xref="paper",
            yref="paper",
            showarrow=False,
            font=dict(size=64, color="black", family=charts.FONT_STACK),
        )
    return fig


def glyph_shapes(png: bytes, count: int) -> list[np.ndarray]:
    ink = np.asarray(Image.open(io.BytesIO(png)).convert("L")) < 128
    return [ink[:, i * CELL : (i + 1) * CELL] for i in range(count)]


def least_difference(shapes: list[np.ndarray]) -> float:
    """The smallest share of differing ink between two glyphs: 0 when two are the same shape,
    as every missing glyph is (the same empty box, "tofu")."""
    return min((a ^ b).sum() / max((a | b).sum(), 1) for i, a in enumerate(shapes) for b in shapes[i + 1 :])


def test_chinese_glyphs_are_drawn_not_tofu(exporter):
    shapes = glyph_shapes(exporter.render(glyph_figure(GLYPHS), "png", scale=1), len(GLYPHS))
    assert all(shape.sum() > 300 for shape in shapes), "a character drew (almost) nothing"
    assert least_difference(shapes) > 0.3, "two different characters drew the same shape: CJK font missing?"


def test_the_glyph_check_catches_tofu(tmp_path):
    """The same check on a browser that only sees a Latin font (DejaVu): every character is one box."""
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    if not dejavu.is_dir():
        pytest.skip("DejaVu fonts not installed")
    config = tmp_path / "fonts.conf"
    config.write_text(
        f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><dir>{dejavu}</dir>'
        f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    latin_only = export.ChartExporter(env={"FONTCONFIG_FILE": str(config)})
    try:
        shapes = glyph_shapes(latin_only.render(glyph_figure(GLYPHS), "png", scale=1), len(GLYPHS))
    finally:
        latin_only.close()
    assert least_difference(shapes) < 0.05


def test_png_is_twice_the_layout_size_and_svg_keeps_the_chinese_text(exporter):
    fig = charts.bar(
        pd.DataFrame({"社区": ["崇北社区", "永安社区"], "办结率": [0.82, 0.7]}),
        "社区",
        "办结率",
        "各社区办结率",
        kind="rate",
    )
    png = exporter.render(fig, "png")
    assert png.startswith(b"\x89PNG") and Image.open(io.BytesIO(png)).size == (1920, 1080)
    svg = exporter.render(fig, "svg").decode("utf-8")
    assert svg.startswith("<svg") and "各社区办结率" in svg and "崇北社区" in svg and "82.0%" in svg


def test_one_browser_serves_many_exports_and_closes_cleanly():
    engine = export.ChartExporter()
    fig = glyph_figure("办结")
    engine.render(fig, "png")
    pid = engine.browser_pid
    for _ in range(3):
        engine.render(fig, "svg")
        assert engine.browser_pid == pid
    engine.close()
    assert not engine.running and not _alive(pid)
    engine.render(fig, "png")  # and opens again when asked
    assert engine.browser_pid != pid
    engine.close()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_exports_from_several_threads_get_their_own_images(exporter):
    titles = [f"社区{i}" for i in range(4)]
    results: dict[str, str] = {}

    def draw(title: str) -> None:
        results[title] = exporter.render(go.Figure(layout=dict(title=title)), "svg").decode("utf-8")

    threads = [threading.Thread(target=draw, args=(t,)) for t in titles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(f">{title}<" in results[title] for title in titles)


def test_a_missing_browser_is_a_chinese_error(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    with pytest.raises(export.ExportError, match="BROWSER_PATH"):
        export.ChartExporter().render(go.Figure(), "png")


def test_the_grid_map_exports_with_its_geometry_inline(demo, monkeypatch):
    """The page's map fetches its GeoJSON from the app; the exported one carries it, and draws it
    (MapLibre in the export browser): grids, the planted gap in red, the overlap in purple."""
    import datetime as dt

    from streetdash.access import Scope
    from streetdash.app import auth, data
    from streetdash.filters import Filters
    from tests.browser.test_pages import _colour_counts

    monkeypatch.setenv("WAREHOUSE_DB", str(demo[0]))
    f = Filters("崇文街道", (), dt.date(2022, 1, 1), dt.date(2022, 12, 31))
    with auth.acting_as(Scope(("崇文街道",), None)):  # the app's readers serve a user's scope only
        shown = data.grid_map(f, "grids.events_per_1000")
        exported = data.grid_map(f, "grids.events_per_1000", inline=True)
    assert isinstance(shown.data[0].geojson, str) and isinstance(exported.data[0].geojson, dict)
    counts = _colour_counts(export.figure_png(exported))
    assert counts["grids"] > 50_000 and counts["gap"] > 500 and counts["overlap"] > 500, counts
