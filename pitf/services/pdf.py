"""PDF documents made by WeasyPrint from the same HTML as the printable pages, fetching local files only.

Every PDF is tagged PDF/UA-1 (Section 508 covers documents too): a structure tree of the HTML's headings,
paragraphs, lists and tables, the text in reading order, the language from `<html lang>` and the title from
`<title>`, shown by viewers in place of the file name (/DisplayDocTitle)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher


class LocalFilesOnly(URLFetcher):
    """Fetch files under the given folders, nothing else: no network, no data: URLs, no other file on the
    machine (a relative link in user text such as "/etc/passwd" resolves against a file base URL)."""

    def __init__(self, roots: list[Path]):
        super().__init__(allowed_protocols={"file"})
        self.roots = [Path(r).resolve() for r in roots]

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"Refused to fetch {url!r}: a PDF uses local files only.")
        path = Path(url2pathname(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
            raise ValueError(f"Refused to fetch {url!r}: outside the allowed folders.")
        return super().fetch(url, headers)


def _folder_url(base: str) -> tuple[Path, str]:
    """The folder and its file URL (ending with a slash, so relative links resolve inside it)."""
    folder = Path(url2pathname(urlsplit(base).path) if base.startswith("file:") else base).resolve()
    return folder, folder.as_uri().rstrip("/") + "/"


# PDF/UA-1: tagged, with the title in the document information and the XMP metadata, and /Lang.
PDF_VARIANT = "pdf/ua-1"


# A list marker outside its item is painted after the page's text, so a PDF's text (copied, reflowed, read by
# tools that ignore the tags) would put "1. 2. 3." after the list; inside, each number comes before its item.
_READING_ORDER = CSS(string="li { list-style-position: inside; }")


class UntitledDocument(ValueError):
    """The HTML has no <title> or no <html lang>: its PDF would not be accessible (a template's mistake)."""


def render_pdf(html: str, base_url: str) -> bytes:
    """The tagged PDF of *html*; relative links (the stylesheet) resolve in the folder *base_url*, the only one
    read. The HTML must have a <title> and <html lang>: a PDF without them is refused, not made."""
    folder, url = _folder_url(base_url)
    document = HTML(string=html, base_url=url, url_fetcher=LocalFilesOnly([folder])).render(
        stylesheets=[_READING_ORDER], pdf_variant=PDF_VARIANT)
    missing = [what for what, value in (("a <title>", (document.metadata.title or "").strip()),
                                        ("<html lang>", (document.metadata.lang or "").strip())) if not value]
    if missing:
        raise UntitledDocument(f"A PDF needs {' and '.join(missing)}: screen readers announce the title and read "
                               "the text in the document's language.")
    return document.write_pdf(pdf_variant=PDF_VARIANT)
