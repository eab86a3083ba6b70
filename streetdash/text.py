"""Ledger text is data, never markup: escaping for each renderer that would otherwise read it as markup.

Names, titles and notes typed into ledgers (a community, a grid, a campaign, a mediator, a task's
content) reach three renderers, each with its own markup:

- **Streamlit Markdown** (:func:`markdown`): ``st.markdown``, ``st.caption``, ``st.write`` of a
  string, titles and headers, the bodies of ``st.info``/``st.success``/``st.warning``/``st.error``,
  ``st.metric`` labels and values, every ``help=`` tooltip, and the labels of widgets, expanders,
  tabs, page links, buttons and radio options (a Markdown subset that still renders links and
  images, so an image would be fetched from wherever it points). Select boxes, multiselects and
  ``st.dataframe`` cells are plain text already and are left alone.
- **plotly** (:func:`plotly`, :func:`plotly_each`): titles, tick labels, legend names, hover text,
  annotations and text on bars read a subset of HTML (``<a href>``, ``<b>``, ``<br>``,
  ``<span style>``, ``<sub>`` ...). ``&``, ``<`` and ``>`` become ``&amp;`` ``&lt;`` ``&gt;``,
  which plotly.js turns back into the characters when it draws. The chart builders
  (:mod:`streetdash.charts`, :mod:`streetdash.maps`) escape what they put in a figure, so callers pass
  plain text; :func:`from_plotly` reads a figure's text (a clicked bar's category) back.
- **Word** (python-docx): runs are plain text, nothing is interpreted (``tests/test_escaping.py``
  checks it), so the report needs no escaping.

Exports (xlsx, csv) hold the data itself; formula-like cells are neutralised in :mod:`streetdash.export`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

# Invisible, and no line break opportunity: it splits a pattern without changing what is seen.
WORD_JOINER = "\u2060"

# Every ASCII punctuation character: CommonMark lets each be backslash-escaped to mean itself, which
# stops emphasis (* _ ~), links and images ([ ] ( ) !), code (`), raw HTML and entities (< > &),
# LaTeX ($), directives such as :red[...] (: [ ]), headings, lists, quotes and tables (# - + . > |).
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Streamlit's renderer also rewrites text *after* parsing, where escapes are gone: GFM autolinks
# (http://, https://, www., name@host.cn), emoji and icon shortcodes (:smile:, :material/home:,
# :streamlit:) and typographic arrows (" -> ", " <= ", " -- "). A word joiner after every ':' and '@',
# before the '.' of "www." and inside each arrow pair breaks those patterns.
_MARKDOWN_TEXT_PATTERNS = re.compile(r"(?<=[:@])|(?<=www)(?=\.)|(?<=[-<>~])(?=[-<>=])", re.IGNORECASE)
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")

_PLOTLY_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_PLOTLY_SPECIAL = re.compile(r"[&<>]")
_PLOTLY_ESCAPED = re.compile(r"&(amp|lt|gt);")
_PLOTLY_CHARACTERS = {"amp": "&", "lt": "<", "gt": ">"}


def markdown(value: object) -> str:
    """``value`` as Streamlit Markdown that shows exactly its text (line breaks become spaces; the
    whitespace around it, which would start an indented code block, is dropped).

    For any Markdown context: a whole sentence that mixes the page's own words with ledger text can
    be escaped at once, since plain words come out as they went in. Markup the page means (the
    ``**`` around a name) goes around the escaped text, never inside it. ``None`` and NaN give "".
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = _LINE_BREAKS.sub(" ", str(value)).strip()
    text = _MARKDOWN_TEXT_PATTERNS.sub(WORD_JOINER, text)
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def plotly(value):
    """A string as plotly text that shows exactly its characters; anything else unchanged (numbers,
    dates and missing values stay what they are, so axes keep their type)."""
    if not isinstance(value, str):
        return value
    return _PLOTLY_SPECIAL.sub(lambda m: _PLOTLY_ENTITIES[m.group()], value)


def plotly_each(values: Iterable):
    """:func:`plotly` of each value (a column of categories, a list of labels), as a list; a column of
    numbers or dates (a pandas Series or numpy array of such a dtype) is returned as it is."""
    if getattr(getattr(values, "dtype", None), "kind", "O") in "biufcmM":
        return values
    return [plotly(v) for v in values]


def from_plotly(value):
    """The text :func:`plotly` was given: a figure's label or a clicked point's category as plain text."""
    if not isinstance(value, str):
        return value
    return _PLOTLY_ESCAPED.sub(lambda m: _PLOTLY_CHARACTERS[m.group(1)], value)
