"""Markdown is rendered and then sanitized: nothing executable survives."""

import pytest

from pitf.markdown import render_markdown

PAYLOADS = {
    "script tag": "<script>alert(1)</script>",
    "javascript link": "[click](javascript:alert(1))",
    "javascript link, odd case": "[click](JaVaScRiPt:alert(1))",
    "javascript autolink html": '<a href="javascript:alert(1)">x</a>',
    "event handler": "<img src=x onerror=alert(1)>",
    "event handler on p": '<p onclick="alert(1)">hi</p>',
    "data url link": "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data url image": "![i](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "style": "<style>body{display:none}</style>",
    "cdata crash": "<![CDATA[ x ]]>",
    "svg": "<svg onload=alert(1)></svg>",
}


@pytest.mark.parametrize("name", PAYLOADS)
def test_nothing_executable_survives(name):
    html = render_markdown(PAYLOADS[name]).lower()
    for bad in ("<script", "javascript:", "onerror", "onclick", "onload", "data:", "<iframe", "<style", "<svg"):
        assert bad not in html, (name, html)


def test_ordinary_markdown_renders():
    html = render_markdown("**Done**: see [the plan](https://www.state.gov/tip) and\n\n- one\n- two")
    assert "<strong>Done</strong>" in html
    assert '<a href="https://www.state.gov/tip" rel="noopener noreferrer nofollow">the plan</a>' in html
    assert "<li>one</li>" in html


def test_empty_is_empty():
    assert render_markdown("") == "" and render_markdown(None) == "" and render_markdown("   ") == ""


def test_user_headings_never_compete_with_the_page_heading():
    html = render_markdown("# Minutes\n\n## Present\n\n### 1. Opening")
    assert "<h1" not in html
    assert "<h2>Minutes</h2>" in html and "<h3>Present</h3>" in html and "<h4>1. Opening</h4>" in html
