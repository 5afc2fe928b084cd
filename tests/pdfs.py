"""What a test asks of every PDF the platform makes: tagged (PDF/UA), titled, in English, text in reading order."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def pdf_text(pdf: bytes) -> str:
    """The text of every page, in the order a reader extracts it, spaces collapsed."""
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader(pdf).pages))


def page_texts(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", p.extract_text()) for p in reader(pdf).pages]


def structure(pdf: bytes) -> list[str]:
    """The structure tree's element types, depth first (the order assistive technology reads them)."""
    found: list[str] = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
            return
        if not hasattr(node, "get") or "/S" not in node:
            return
        found.append(str(node["/S"]).lstrip("/"))
        kids = node.get("/K")
        if kids is not None:
            walk(kids)

    root = reader(pdf).trailer["/Root"]["/StructTreeRoot"].get_object()
    walk(root["/K"])
    return found


def assert_accessible(pdf: bytes, title: str, *, tags: tuple[str, ...] = ("H1",)) -> None:
    """Tagged (a structure tree with *tags*, marked content), its title shown by viewers, its language set."""
    assert pdf.startswith(b"%PDF")
    r = reader(pdf)
    catalog = r.trailer["/Root"]
    assert "/StructTreeRoot" in catalog, "no structure tree: the PDF is not tagged"
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "en"
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    assert r.metadata is not None and r.metadata.title == title
    xmp = r.xmp_metadata
    assert xmp is not None and xmp.dc_title == {"x-default": title}
    assert b'pdfuaid:part="1"' in catalog["/Metadata"].get_object().get_data()  # it claims PDF/UA-1
    elements = structure(pdf)
    assert elements[0] == "Document"
    for tag in tags:
        assert tag in elements, f"no {tag} in the structure tree: {elements}"


def assert_in_order(text: str, *parts: str) -> None:
    """Each part appears in *text*, each after the one before."""
    at = -1
    for part in parts:
        found = text.find(part, at + 1)
        assert found > at, f"{part!r} not found after position {at} in: {text[:2000]}"
        at = found
