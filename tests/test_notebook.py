"""notebooks/explore_facts.ipynb runs top to bottom on the sample corpus; its charts have
Chinese labels in a CJK font (the PNGs are saved to test-artifacts/ for a look)."""

from __future__ import annotations

import base64
import struct
from typing import Any

import nbformat
import pytest

from .conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "explore_facts.ipynb"
ARTIFACTS = ROOT / "test-artifacts"


def _outputs(cell: Any, kind: str) -> list[Any]:
    return [o for o in cell.get("outputs", []) if o.output_type == kind]


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_committed_notebook_is_stripped() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The notebook executed with nbclient against a fresh database it builds itself."""
    from nbclient import NotebookClient

    db = tmp_path_factory.mktemp("notebook") / "bulletins.db"
    mp = pytest.MonkeyPatch()
    mp.setenv("BULLETIN_DB", str(db))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    try:
        client = NotebookClient(
            nb,
            timeout=180,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOK.parent)}},
        )
        client.execute()
    finally:
        mp.undo()
    assert db.exists()  # the notebook ingested the corpus through the library
    return nb


def test_notebook_runs_without_errors_or_missing_glyphs(executed: Any) -> None:
    for cell in executed.cells:
        assert not _outputs(cell, "error")
        for stream in _outputs(cell, "stream"):
            assert "missing from" not in stream.text  # matplotlib's tofu warning
            assert "Traceback" not in stream.text


def test_notebook_shows_facts_and_initiatives(executed: Any) -> None:
    html = "".join(
        o.data.get("text/html", "") for c in executed.cells for o in _outputs(c, "execute_result")
    )
    assert "<th>evidence_text</th>" in html and "<th>evidence_start</th>" in html
    assert "浙江省台州市" in html
    assert "<td>五社联动</td>" in html


def test_charts_have_chinese_labels_in_a_cjk_font(executed: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pngs = []
    for cell in executed.cells:
        for o in _outputs(cell, "display_data"):
            if "image/png" in o.data:
                pngs.append((cell, base64.b64decode(o.data["image/png"])))
    assert len(pngs) == 2  # the time series and the bar chart
    for name, (_cell, png) in zip(("series", "provinces"), pngs, strict=True):
        (ARTIFACTS / f"explore_facts_{name}.png").write_bytes(png)
        width, height = _png_size(png)
        assert width > 400 and height > 300
    chart = next(c for c in executed.cells if "province-chart" in c.metadata.get("tags", []))
    text = "".join(o.text for o in _outputs(chart, "stream"))
    labels = text.split("labels:")[1].split("\n")[0]
    assert "浙江省" in labels and "贵州省" in labels
    assert "font: NotoSansCJK" in text


def test_the_notebook_shows_the_editors_decisions(executed: Any) -> None:
    cell = next(c for c in executed.cells if "reviewed" in c.metadata.get("tags", []))
    text = "".join(o.get("text", "") for o in _outputs(cell, "stream"))
    assert "facts as reviewed; 0 corrected, 0 rejected (left out)" in text
    html = "".join(o.data.get("text/html", "") for o in _outputs(cell, "display_data"))
    assert "<th>original_value</th>" in html and "<th>review_note</th>" in html


def test_jupyter_lab_comes_with_the_notebook_extra() -> None:
    """docs/researchers.md says `jupyter lab notebooks/explore_facts.ipynb`: the extra
    installs it."""
    import shutil
    import sys
    from pathlib import Path

    assert shutil.which("jupyter-lab", path=str(Path(sys.executable).parent))
    doc = (ROOT / "docs" / "researchers.md").read_text(encoding="utf-8")
    assert "jupyter lab notebooks/explore_facts.ipynb" in doc
