"""Office conversions by the programs a street office already trusts: LibreOffice (headless) turns a
report into PDF, pdftoppm (poppler) turns PDF pages into PNG images.

Both are optional Debian packages installed by ``make system-deps``; callers ask
:func:`libreoffice_path` first and say so in Chinese when it is missing.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from streetdash.export import ExportError

LIBREOFFICE_MISSING = (
    "未安装 LibreOffice，无法生成 PDF。请运行 `make system-deps`（Debian 包 libreoffice-writer-nogui），"
    "或用 Word/WPS 打开 Word 报告后另存为 PDF。"
)


def libreoffice_path() -> str | None:
    """The ``soffice`` program of LibreOffice, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(
    source: Path, target: str, out_dir: Path, *, infilter: str | None = None, timeout: float = 240
) -> list[Path]:
    """Convert ``source`` (one file or several) with LibreOffice headless; returns the new files.

    ``target`` is LibreOffice's ``--convert-to`` argument (``pdf``, ``xlsx``, ``csv:...``), ``infilter``
    its ``--infilter`` (how to read the input, e.g. CSV options). Each call uses its own throwaway
    LibreOffice profile, so conversions from several processes never wait for each other's lock.
    """
    soffice = libreoffice_path()
    if soffice is None:
        raise ExportError(LIBREOFFICE_MISSING)
    sources = [Path(s) for s in (source if isinstance(source, list | tuple) else [source])]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="streetdash-lo-") as profile:
        command = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            *(["--infilter=" + infilter] if infilter else []),
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            *map(str, sources),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as error:
            raise ExportError(f"LibreOffice 转换超时（{timeout:.0f} 秒）：{sources[0].name}。") from error
    extension = target.split(":", 1)[0]
    produced = [out_dir / f"{s.stem}.{extension}" for s in sources]
    missing = [p.name for p in produced if not p.exists()]
    if done.returncode != 0 or missing:
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [f"退出码 {done.returncode}"]
        raise ExportError(f"LibreOffice 未能生成 {'、'.join(missing) or extension}：{detail[0]}")
    return produced


def docx_to_pdf(docx: Path, out_dir: Path | None = None) -> Path:
    """The PDF of a Word document, written beside it (or in ``out_dir``)."""
    docx = Path(docx)
    return convert(docx, "pdf", out_dir or docx.parent)[0]


def pdf_to_pngs(pdf: Path, out_dir: Path, dpi: int = 80) -> list[Path]:
    """Every page of a PDF as a PNG (``<name>-1.png`` …), via pdftoppm; for looking at a report."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise ExportError("未安装 pdftoppm（Debian 包 poppler-utils），无法把 PDF 转为图片。")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    prefix = out_dir / Path(pdf).stem
    for old in out_dir.glob(f"{prefix.name}-*.png"):
        old.unlink()
    subprocess.run([pdftoppm, "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True, timeout=120)
    return sorted(out_dir.glob(f"{prefix.name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def docx_bytes_to_pdf(document: bytes, name: str = "report") -> bytes:
    """The PDF of a Word document given as bytes (converted in a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="streetdash-pdf-") as folder:
        source = Path(folder) / f"{name}.docx"
        source.write_bytes(document)
        return docx_to_pdf(source).read_bytes()
