"""The next page of a list, the ways county platforms print it.

In order: a ``next`` option; a ``rel=next`` or ``下一页`` link; a TRS-style
``createPageHTML(total, current, "index", "html")`` script (and its variants: a
div id first and a 1-based page, the ``_nPageCount`` variables, the arguments held
in variables); a numbered pager (the link numbered one past the current page);
an ``index_1.html`` series. Never off the page's own host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit, urlunsplit

from monitor.parse.markup import absolute, first, same_site

_NEXT_WORDS = frozenset(
    {
        "下一页",
        "下页",
        "后一页",
        "下一頁",
        "next",
        "nextpage",
        "next>",
        "›",
        ">",
        "下一页>",
        "下一页»",
    }
)
_STRIP = re.compile(r"[\s\[\]【】()（）<«]+")
_CALL = re.compile(r"\b(\w*[Pp]age\w*)\s*\(([^()]{0,300})\)")
_VAR = re.compile(
    r"\b(?:var|let|const)?\s*([A-Za-z_$][\w$]*)\s*=\s*([\"']?)([^;\"'\n,]{0,80})\2\s*[;,\n]"
)
_SERIES = re.compile(
    r"^(?P<stem>.*?/)?(?P<name>[A-Za-z]\w*?)(?:_(?P<n>\d+))?\.(?P<ext>s?html?|jsp|php|aspx?)$"
)
_PAGE_PARAMS = ("page", "pageNo", "pageno", "pageIndex", "pageindex", "currentPage", "curPage",
                "pagenum", "pageNum", "p", "pn", "cp")  # fmt: skip


@dataclass(frozen=True, slots=True)
class NextPage:
    url: str
    how: str  # option | link | script | pager | series


def _plain(text: str) -> str:
    return _STRIP.sub("", text).lower()


def _link_next(doc: Any, base_url: str) -> str | None:
    for link in doc.iter("a", "link"):
        rel = (link.get("rel") or "").lower().split()
        words = {
            _plain(link.text_content() if link.tag == "a" else ""),
            _plain(link.get("title") or ""),
        }
        for img in link.iter("img"):
            words.add(_plain(img.get("alt") or ""))
        if "next" in rel or words & _NEXT_WORDS:
            url = absolute(base_url, link.get("href"))
            if url and url != urldefrag(base_url)[0]:
                return url
    return None


_JS_COMMENT = re.compile(r"(?<![:\\/])//[^\n]*|/\*.*?\*/", re.DOTALL)


def _script_text(doc: Any) -> str:
    """Inline scripts, less their comments (``var countPage = 5//共多少页``)."""
    return _JS_COMMENT.sub("", "\n".join(s.text or "" for s in doc.iter("script")))


def _variables(script: str) -> dict[str, str]:
    return {m.group(1): m.group(3).strip() for m in _VAR.finditer(script)}


def _int(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 7 else None


def _script_next(doc: Any, base_url: str) -> str | None:
    script = _script_text(doc)
    if not script:
        return None
    names = _variables(script)
    calls: list[tuple[list[str], bool]] = []
    for match in _CALL.finditer(script):
        args = [a.strip().strip("\"'") for a in match.group(2).split(",")]
        args = [names.get(a, a) for a in args]
        calls.append((args, match.group(2).lstrip()[:1] in "\"'"))
    if "_nPageCount" in names:
        calls.append(
            (
                [names["_nPageCount"], names.get("_nCurrIndex", "0"),
                 names.get("_sPageName", "index"), names.get("_sPageExt", "html")],
                False,
            )
        )  # fmt: skip
    for args, quoted_first in calls:
        found = _from_call(args, quoted_first)
        if found is None:
            continue
        count, index, prefix, suffix = found
        if index >= count:
            return None  # the last page: no next one
        return urljoin(base_url, f"{prefix}_{index}.{suffix}")
    return None


def _from_call(args: list[str], quoted_first: bool) -> tuple[int, int, str, str] | None:
    """(page count, 0-based index of the next page, name, extension) from a pager call."""
    if len(args) >= 5 and _int(args[0]) is None and _int(args[1]) is not None:
        # ('page_div', 24, 1, 'fg', 'shtml', 475): 1-based current page.
        count, current = _int(args[1]), _int(args[2])
        prefix, suffix = args[3], args[4]
        if count is None or current is None:
            return None
        return (count, current, prefix, suffix) if _name_ok(prefix, suffix) else None
    if len(args) >= 4 and not quoted_first:
        # (5, 0, "index", "html"): 0-based current page.
        count, current = _int(args[0]), _int(args[1])
        prefix, suffix = args[2], args[3]
        if count is None or current is None:
            return None
        return (count, current + 1, prefix, suffix) if _name_ok(prefix, suffix) else None
    return None


def _name_ok(prefix: str, suffix: str) -> bool:
    return bool(re.fullmatch(r"[\w-]{1,40}", prefix)) and bool(
        re.fullmatch(r"s?html?|jsp|php|aspx?", suffix, re.IGNORECASE)
    )


def current_page(url: str) -> int:
    """The page number (1-based) a list URL shows: ``index_2.html`` is page 3."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if key in _PAGE_PARAMS and value.isdigit():
            return int(value)
    match = _SERIES.match(parts.path)
    if match and match["n"] is not None:
        n = int(match["n"])
        # TRS counts index.html as page 1 and index_1.html as page 2; list_2 is page 2.
        return n + 1 if match["name"] == "index" else n
    return 1


def _pager_next(doc: Any, base_url: str) -> str | None:
    here = current_page(base_url)
    marked = None
    for node in doc.iter("span", "b", "strong", "em", "a", "li", "font"):
        cls = (node.get("class") or "").lower()
        if (
            "current" in cls or "active" in cls or "cur" in cls.split()
        ) and node.text_content().strip().isdigit():
            marked = int(node.text_content().strip())
            break
    wanted = (marked or here) + 1
    for link in doc.iter("a"):
        if link.text_content().strip() == str(wanted):
            url = absolute(base_url, link.get("href"))
            if url and url != urldefrag(base_url)[0]:
                return url
    return None


def _series_next(doc: Any, base_url: str) -> str | None:
    """``index.html`` → ``index_1.html`` when the page links into the series."""
    path = urlsplit(base_url).path
    match = _SERIES.match(path) if not path.endswith("/") else None
    if path.endswith("/"):
        name, ext, n = "index", None, None
    elif match:
        name, ext, n = match["name"], match["ext"], match["n"]
    else:
        return None
    wanted = f"{name}_{int(n) + 1 if n is not None else 1}."
    for link in doc.iter("a"):
        href = (link.get("href") or "").strip()
        tail = href.rsplit("/", 1)[-1]
        if tail.startswith(wanted) and (ext is None or tail.endswith(ext)):
            url = absolute(base_url, href)
            if url:
                return url
    return None


def next_page(doc: Any, base_url: str, next_css: str | None = None) -> NextPage | None:
    """The next page of the list on ``doc`` (same host only), and how it was found."""
    if next_css:
        node = first(doc, next_css)
        url = absolute(base_url, node.get("href")) if node is not None else None
        if url and url != urldefrag(base_url)[0] and same_site(url, base_url):
            return NextPage(url, "option")
        return None
    for how, find in (
        ("link", _link_next),
        ("script", _script_next),
        ("pager", _pager_next),
        ("series", _series_next),
    ):
        url = find(doc, base_url)
        if url and same_site(url, base_url) and url != urldefrag(base_url)[0]:
            return NextPage(url, how)
    return None


def with_params(url: str, **params: Any) -> str:
    """``url`` with query parameters set (replacing those of the same name)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, str(v)) for k, v in params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))
