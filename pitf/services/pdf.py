"""PDF documents made by WeasyPrint from the same HTML as the printable pages, fetching local files only."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint import HTML
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


def render_pdf(html: str, base_url: str) -> bytes:
    """The PDF of *html*; relative links (the stylesheet) resolve in the folder *base_url*, the only one read."""
    folder, url = _folder_url(base_url)
    return HTML(string=html, base_url=url, url_fetcher=LocalFilesOnly([folder])).write_pdf()
