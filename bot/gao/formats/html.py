"""gao.gov HTML: agency pages and report pages (Drupal views tables) and
search listings. Where the known classes are missing, the page is rendered to
text the way a browser copy gives it and read by the text parsers."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # bs4 and lxml are imported on the first HTML page (~0.25 s a process otherwise)
    from bs4 import BeautifulSoup, Tag

from ..records import (
    ParseResult, Recommendation, Report, marker_fields, normalize_report_number, normalize_status, report_url,
)
from ..text import clean, clean_block, lines_of, parse_date

BLOCKS = ["p", "div", "section", "article", "header", "footer", "main", "nav", "aside", "table", "tr",
          "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt", "dd", "blockquote", "form",
          "tbody", "thead", "pre", "hr"]
PRODUCT_HREF = re.compile(r"/products/(gao-\d{2}-\d{1,6}[a-z]{0,2})", re.IGNORECASE)
PUBLISHED_RE = re.compile(r"Published:\s*([A-Z][a-z]+\.? \d{1,2}, \d{4})")
ERROR_TITLE_RE = re.compile(
    r"\b(403|404|500|502|503|forbidden|access denied|not found|error|request rejected|unavailable|"
    r"just a moment|attention required)\b", re.IGNORECASE)


def looks_like(text: str) -> bool:
    return bool(re.search(r"<(?:!doctype html|html|head|body|table|div|section|p)\b", text[:8192], re.IGNORECASE))


def soup_of(markup: str) -> BeautifulSoup:
    from bs4 import BeautifulSoup

    return BeautifulSoup(markup, "lxml")


def page_title(soup: BeautifulSoup) -> str:
    og = soup.select_one('meta[property="og:title"]')
    content = og.get("content") if og else None
    if isinstance(content, str) and content:  # a single-valued attribute
        return clean(re.sub(r"^U\.S\. GAO\s*[-–]\s*", "", content))
    return clean(soup.title.get_text()) if soup.title else ""


def is_error_page(soup: BeautifulSoup) -> str | None:
    """The title (or heading) of a page that is an error, not content."""
    for el in (soup.title, soup.find("h1")):
        if el is not None:
            t = clean(el.get_text())
            if t and ERROR_TITLE_RE.search(t):
                return t
    return None


def render_text(soup: Tag) -> str:
    """Text as a browser copy renders it: one line per block, table cells of a
    row joined by spaces."""
    soup = soup_of(str(soup))
    for t in soup(["script", "style", "noscript", "template", "svg", "head", "iframe"]):
        t.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for el in soup.find_all(["td", "th"]):
        el.insert_after(" ")
    for el in soup.find_all(BLOCKS):
        el.insert_before("\n")
        el.insert_after("\n")
    return "\n".join(lines_of(soup.get_text()))


def _text(el: Tag | None) -> str:
    return clean(el.get_text(" ")) if el is not None else ""


def _report_for(table: Tag | None, page_report: Report | None) -> Report:
    if page_report is not None:
        return page_report
    if table is None:  # a row outside any table: no report link to look for
        return Report()
    result = table.find_parent("div", class_="c-search-result")
    link = None
    if result is not None:
        link = result.select_one("h4.c-search-result__header a") or result.find("a", href=PRODUCT_HREF)
    if link is None:
        link = table.find_previous("a", href=PRODUCT_HREF)
    if link is None:
        heading = table.find_previous(["h2", "h3", "h4"])
        return Report(title=_text(heading) or None)
    href = link.get("href")
    number = normalize_report_number(href if isinstance(href, str) else "") or normalize_report_number(_text(link))
    return Report(number=number, title=_text(link) or None, url=report_url(number))


def _cell_text(el: Tag) -> str:
    """A cell's text with inline markup joined and block elements as spaces."""
    return clean_block(" ".join(render_text(el).split("\n")))


def _comment_of(row: Tag, status_cell: Tag | None) -> str:
    for cell in row.find_all("td"):
        classes = " ".join(cell.get("class") or [])
        if "comment" in classes:
            return _cell_text(cell)
    if status_cell is not None:
        cell = soup_of(str(status_cell))
        code = cell.select_one(".code")
        if code is not None:
            code.decompose()
            return _cell_text(cell)
        parts = list(status_cell.stripped_strings)
        if len(parts) > 1:  # the status, then the comment
            return clean_block(" ".join(parts[1:]))
    return ""


def parse_structured(soup: BeautifulSoup, source: str) -> ParseResult | None:
    cells = soup.select("td.views-field-field-recommendation")
    if not cells:
        return None
    number_el = soup.select_one("span.d-block.text-small strong") or soup.select_one("span.d-block.text-small")
    page_report = None
    sections = soup.select("section.view--recommendations--block-1, section.view--recommendations--block-3")
    if sections or number_el is not None:
        header = _text(soup.select_one("span.d-block.text-small"))
        number = normalize_report_number(_text(number_el))
        m = PUBLISHED_RE.search(header) or PUBLISHED_RE.search(soup.get_text(" ")[:5000])
        page_report = Report(number=number, title=page_title(soup) or None,
                             published=parse_date(m.group(1)) if m else None, url=report_url(number))
    fmt = ("report-page-html" if page_report else
           "listing-html" if soup.select_one("div.c-search-result") else "agency-page-html")
    result = ParseResult(source=source, format=fmt)
    page_agency = _text(soup.find("h1")) if page_report is None else ""
    for cell in cells:
        row = cell.find_parent("tr")
        if row is None:
            continue
        table = row.find_parent("table")
        report = _report_for(table, page_report)
        in_congress = row.find_parent("section", class_="view--recommendations--block-3") is not None
        agency = _text(row.select_one("td.views-field-name")) or ("Congress" if in_congress else page_agency)
        raw = _text(cell)
        priority = "Priority Rec." in raw
        raw = clean(raw.replace("Priority Rec.", "").replace("This is a priority recommendation.", ""))
        marked = marker_fields(raw, agency, matter_section=in_congress)
        status_cell = row.select_one("td.views-field-field-status-code")
        code = status_cell.select_one(".code") if status_cell is not None else None
        status_raw = _text(code) if code is not None else (
            next(iter(status_cell.stripped_strings), "") if status_cell is not None else "")
        comment = _comment_of(row, status_cell)
        if not comment:
            nxt = row.find_next_sibling("tr")
            if nxt is not None and nxt.select_one("td.views-field-field-recommendation") is None:
                comment = _cell_text(nxt)
        default = "Open" if page_report is None else None
        result.recommendations.append(Recommendation(
            report=report, agency=agency,
            status=normalize_status(status_raw) or default, priority=priority,
            comments=comment or None, **marked,
        ))
    return result
