"""PDFs: WeasyPrint renders the HTML with the stylesheet of the base folder, fetches nothing else, and tags it
(PDF/UA-1) with its title and language; HTML without them makes no PDF."""

from __future__ import annotations

import pytest

from pitf.services.pdf import LocalFilesOnly, UntitledDocument, render_pdf
from tests.pdfs import assert_accessible, assert_in_order, page_texts, pdf_text, structure


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
    html = ('<html lang="en"><head><title>Agenda</title><link rel="stylesheet" href="css/print.css"></head>'
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
    html = (f'<html lang="en"><title>Agenda</title><link rel="stylesheet" href="{(outside / "secret.css").as_uri()}">'
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


PAGE = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Minutes: Spring meeting</title></head>'
        "<body><main><h1>Spring meeting</h1><p>Opening paragraph.</p>"
        "<h2>Present</h2><p>Under present.</p>"
        '<table><caption>Attendance</caption><thead><tr><th scope="col">Name</th><th scope="col">Status</th></tr>'
        "</thead><tbody><tr><th scope=\"row\">Alex Able</th><td>Present</td></tr>"
        "<tr><th scope=\"row\">Blair Baker</th><td>Absent</td></tr></tbody></table>"
        "<ul><li>First point</li><li>Second point</li></ul>"
        "<ol><li>Numbered one</li><li>Numbered two</li></ol><p>Closing paragraph.</p></main></body></html>")


def test_the_pdf_is_tagged_with_its_title_and_language(folders):
    base, _outside = folders
    pdf = render_pdf(PAGE, base_url=str(base))
    assert_accessible(pdf, "Minutes: Spring meeting", tags=("H1", "H2", "P", "Table", "Caption", "THead", "TBody",
                                                             "TR", "TH", "TD", "L", "LI"))
    elements = structure(pdf)
    # The tree reads as the page does: the heading, its paragraph, the next heading, then the table row by row.
    assert elements.index("H1") < elements.index("P") < elements.index("H2") < elements.index("Table")
    assert_in_order(pdf_text(pdf), "Spring meeting", "Opening paragraph.", "Present", "Under present.",
                    "Attendance", "Name", "Status", "Alex Able", "Present", "Blair Baker", "Absent",
                    "First point", "Second point", "1. Numbered one", "2. Numbered two", "Closing paragraph.")


def test_text_on_the_page_margins_comes_after_the_page_text(folders):
    base, _outside = folders
    (base / "css" / "pages.css").write_text('@page { @top-center { content: "DRAFT" } }')
    html = PAGE.replace("</head>", '<link rel="stylesheet" href="css/pages.css"></head>').replace(
        "<ul>", '<ul style="break-before: page">')
    texts = page_texts(render_pdf(html, base_url=str(base)))
    assert len(texts) == 2
    assert all("DRAFT" in t for t in texts)  # on every page
    assert texts[0].startswith("Spring meeting") and texts[1].startswith("• First point")


@pytest.mark.parametrize("html,missing", [
    ("<html><head><title>Agenda</title></head><body><h1>Agenda</h1></body></html>", "<html lang>"),
    ('<html lang="en"><head></head><body><h1>Agenda</h1></body></html>', "a <title>"),
    ('<html lang="en"><head><title>  </title></head><body><h1>Agenda</h1></body></html>', "a <title>"),
    ("<h1>Agenda</h1>", "a <title> and <html lang>"),
])
def test_html_without_a_title_or_a_language_makes_no_pdf(folders, html, missing):
    base, _outside = folders
    with pytest.raises(UntitledDocument, match=f"A PDF needs {missing}:"):
        render_pdf(html, base_url=str(base))
