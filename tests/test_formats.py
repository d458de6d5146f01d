"""Input formats: encodings detected and recorded, HTML and PDF reduced to their text."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from bulletin_nlp.errors import InputError
from bulletin_nlp.formats import decode_source, decode_text, html_text, read_source
from bulletin_nlp.io import expand_paths
from bulletin_nlp.pipeline import process_text

from .conftest import CORPUS

SAMPLE = (CORPUS / "003_97ebb4bc4085e2f5.txt").read_text(encoding="utf-8")
LINE = "2022年4月26日，民政部举行新闻发布会，台州市民政局参加。"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (LINE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + LINE.encode("utf-8"), "utf-8-sig"),
        (LINE.encode("gb18030"), "gb18030"),
        (LINE.encode("gbk"), "gb18030"),  # GBK is a subset: read as GB18030
        (LINE.encode("utf-16"), "utf-16"),  # with BOM
        (codecs.BOM_UTF16_BE + LINE.encode("utf-16-be"), "utf-16"),
        (LINE.encode("utf-32"), "utf-32"),
        (("Report 2022: " * 5 + LINE).encode("utf-16-le"), "utf-16-le"),  # no BOM
        (("Report 2022: " * 5 + LINE).encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_decode_detects_and_names_the_encoding(data: bytes, encoding: str) -> None:
    text, enc = decode_text(data, "x.txt")
    assert enc == encoding
    assert text.endswith(LINE)


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16-le", "utf-16-be"])
def test_detection_of_a_whole_bulletin(encoding: str) -> None:
    text, enc = decode_text(SAMPLE.encode(encoding), "x.txt")
    assert text == SAMPLE
    assert enc == encoding


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file"),
        (b"   \n\n", "empty file"),
        (codecs.BOM_UTF8 + b"\xff\xfe\xfa", "invalid utf-8-sig"),
    ],
)
def test_unreadable_input_names_file_and_reason(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=f"^bad.txt: {reason}"):
        decode_source(data, "bad.txt")


def test_same_extraction_whatever_the_encoding() -> None:
    def spans(text: str) -> list[tuple[str, str, str]]:
        return [(m.type, m.text, str(m.norm)) for m in process_text(text, "a.txt").mentions]

    expected = spans(SAMPLE)
    assert expected
    for encoding in ("gb18030", "utf-16", "utf-8-sig"):
        text, enc = decode_text(SAMPLE.encode(encoding), "a.txt")
        assert enc == encoding
        assert spans(text) == expected


def test_markdown_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("# 标题\n\n" + LINE + "\n", encoding="utf-8")
    source = read_source(path)
    assert (source.format, source.encoding) == ("markdown", "utf-8")
    assert source.text == "# 标题\n\n" + LINE + "\n"


HTML = """<!DOCTYPE html><html><head><meta charset="gbk"><title>站名 - 标题</title>
<style>p { color: red }</style><script>var x = "不要";</script></head>
<body><!-- 注释 --><h1>社工站建设 扎实推进</h1>
<p>近日，<b>台州市</b>民政局
   召开会议。<br>会议指出&amp;要求&#x4e2d;。</p>
<ul><li>第一</li><li>第二</li></ul><noscript>不显示</noscript>
<table><tr><td>全国</td><td>73.7万人</td></tr></table></body></html>"""


def test_html_text_keeps_visible_text_in_blocks() -> None:
    text, enc = html_text(HTML.encode("gbk"), "a.html")
    assert enc == "gb18030"  # from <meta charset>
    assert text == (
        "社工站建设 扎实推进\n\n近日，台州市民政局 召开会议。\n会议指出&要求中。\n\n"
        "第一\n\n第二\n\n全国\n\n73.7万人\n"
    )


def test_html_bulletin_through_the_pipeline(tmp_path: Path) -> None:
    body = "".join(f"<p>{para}</p>\n" for para in SAMPLE.split("\n\n") if para.strip())
    path = tmp_path / "a.html"
    path.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    source = read_source(path)
    assert source.format == "html"
    doc = process_text(source.text, str(path), encoding=source.encoding)
    types = {m.type for m in doc.mentions}
    assert {"DATE", "QUANTITY", "INITIATIVE"} <= types
    # Offsets refer to the extracted text (what the store keeps as ``raw``).
    assert all(doc.raw[m.start : m.end] == m.text for m in doc.mentions)


def test_html_without_text_fails_cleanly() -> None:
    with pytest.raises(InputError, match="^e.html: no text"):
        decode_source(b"<html><body><script>x()</script></body></html>", "e.html")


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal PDF whose text (CJK included) pypdf can extract: a Type0 font with
    Identity-H codes equal to Unicode code points and a ToUnicode map saying so."""
    chars = sorted({c for page in pages for line in page for c in line})
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n"
        + "".join(f"<{ord(c):04X}> <{ord(c):04X}>\n" for c in chars)
        + "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end\n"
    )
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        (
            "<< /Type /Pages /Kids ["
            + " ".join(f"{6 + 2 * i} 0 R" for i in range(len(pages)))
            + f"] /Count {len(pages)} >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        b"/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        _stream(cmap.encode()),
    ]
    for page in pages:
        shows = " ".join("<" + "".join(f"{ord(c):04X}" for c in ln) + "> Tj T*" for ln in page)
        objects.append(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {len(objects) + 2} 0 R >>".encode()
        )
        objects.append(_stream(f"BT /F1 12 Tf 14 TL 50 800 Td {shows} ET".encode()))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _stream(data: bytes) -> bytes:
    return f"<< /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def test_pdf_text_goes_through_the_same_normalization(tmp_path: Path) -> None:
    pytest.importorskip("pypdf")
    lines = ["2022年4月26日，民政部举行例行新闻发布", "会。目前，全国共有73.7万人取得社会工作者", "职业资格证书。"]
    path = tmp_path / "a.pdf"
    path.write_bytes(make_pdf([lines[:2], lines[2:]]))
    source = read_source(path)
    assert (source.format, source.encoding) == ("pdf", "pdf")
    assert source.text == "\n".join(lines[:2]) + "\n\n" + lines[2] + "\n"
    doc = process_text(source.text, str(path), encoding=source.encoding)
    found = {(m.type, m.text) for m in doc.mentions}
    assert ("DATE", "2022年4月26日") in found
    assert ("QUANTITY", "73.7万人") in found
    assert "发布会" in doc.norm  # the wrapped line was joined by normalization


def test_corrupt_pdf_fails_with_one_line() -> None:
    pytest.importorskip("pypdf")
    with pytest.raises(InputError, match="^x.pdf: unreadable PDF"):
        decode_source(b"%PDF-1.4\nthis is not a pdf at all", "x.pdf")


def test_pdf_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pypdf", None)  # import pypdf now fails
    with pytest.raises(InputError, match=r"x.pdf: PDF input needs the optional extra"):
        decode_source(b"%PDF-1.4", "x.pdf")


def test_folders_yield_every_supported_format(tmp_path: Path) -> None:
    for name in ("a.txt", "b.md", "c.html", "d.htm", "e.PDF", "f.json", "g.yaml"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in expand_paths([tmp_path])] == ["a.txt", "b.md", "c.html", "d.htm", "e.PDF"]
