"""PDFs: WeasyPrint renders the HTML with the stylesheet of the base folder, and fetches nothing else."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from pitf.services.pdf import LocalFilesOnly, render_pdf


def pdf_text(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


@pytest.fixture
def folders(tmp_path):
    base, outside = tmp_path / "static", tmp_path / "private"
    (base / "css").mkdir(parents=True)
    outside.mkdir()
    # Generated content shows whether a stylesheet was applied, in the PDF's own text.
    (base / "css" / "print.css").write_text('h1::after { content: " (styled)"; }')
    (outside / "secret.css").write_text('h1::before { content: "LEAKED "; }')
    return base, outside


def test_the_pdf_has_the_text_and_the_stylesheet_of_the_base_folder(folders):
    base, _outside = folders
    html = ('<html><head><title>Agenda</title><link rel="stylesheet" href="css/print.css"></head>'
            "<body><h1>Quarterly meeting</h1><table><tr><td>10:00 AM</td><td>Opening remarks</td></tr>"
            "<tr><td>10:15 AM</td><td>Grant solicitations</td></tr></table></body></html>")
    pdf = render_pdf(html, base_url=str(base))
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Quarterly meeting (styled)" in text
    assert "Opening remarks" in text and "Grant solicitations" in text
    assert render_pdf(html, base_url=base.as_uri()).startswith(b"%PDF")  # a file URL works as well


def test_nothing_outside_the_base_folder_is_read(folders):
    base, outside = folders
    html = (f'<link rel="stylesheet" href="{(outside / "secret.css").as_uri()}">'
            '<link rel="stylesheet" href="../private/secret.css">'
            '<link rel="stylesheet" href="http://127.0.0.1:9/remote.css">'
            '<img src="/etc/passwd" alt=""><h1>Agenda</h1>')
    text = pdf_text(render_pdf(html, base_url=str(base)))
    assert "Agenda" in text and "LEAKED" not in text


@pytest.mark.parametrize("url", [
    "http://example.com/style.css", "https://example.com/style.css", "ftp://example.com/x",
    "data:text/css,h1{color:red}", "file:///etc/passwd", "file://otherhost/share/x.css",
])
def test_the_fetcher_refuses_everything_but_files_of_its_folders(folders, url):
    base, _outside = folders
    with pytest.raises(ValueError, match="Refused"):
        LocalFilesOnly([base]).fetch(url)


def test_the_fetcher_refuses_a_way_out_by_dot_dot_and_reads_its_own_files(folders):
    base, outside = folders
    fetcher = LocalFilesOnly([base])
    with pytest.raises(ValueError, match="outside"):
        fetcher.fetch(base.as_uri() + "/../private/secret.css")
    with pytest.raises(ValueError, match="outside"):
        fetcher.fetch((outside / "secret.css").as_uri())
    response = fetcher.fetch((base / "css" / "print.css").as_uri())
    try:
        assert b"styled" in response.read()
    finally:
        response.close()
