"""A chat-neutral message: what gaorec says, before any chat's markup.

Inline text is a list of spans (plain, code, link, a person or group, a channel, a date, an icon, a quoted
sentence), never a markup string, so nothing from GAO or a user can become live markup in any chat. A message is
a list of parts: a heading, sections (text and labelled fields), notes, dividers and actions (id, label, value).
The Slack adapter renders it as Block Kit and mrkdwn at delivery (bot/blocks/render.py); the shell and the CLI
render it as plain text here (``to_plain``). It is stored in the outbox as JSON (``to_dict``/``from_dict``).

Section 508: a message's meaning is in its words. Icons are decoration that the plain text drops."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

_ID = re.compile(r"[A-Z][A-Z0-9]+")  # a chat's user or group id (shown as @ID); anything else is a name
KINDS = ("plain", "code", "link", "user", "channel", "date", "icon", "quote")


@dataclass(frozen=True)
class Span:
    text: str = ""
    kind: str = "plain"
    ref: str = ""  # link: the URL; user: "U0DANA" or "subteam:S1"; channel: "C1"; date: ISO day; icon: its name
    strong: bool = False


Text = list[Span]


def plain(s: str) -> Span:
    return Span(s)


def strong(s: str) -> Span:
    return Span(s, strong=True)


def code(s: str) -> Span:
    return Span(s, "code")


def link(label: str, url: str | None, *, bold: bool = False) -> Span:
    return Span(label, "link", url or "", bold)


def user(ref: str | None) -> Span:
    """A person or a user group by the chat's id; the adapter maps it to a mention."""
    return Span("", "user", ref or "")


def channel(ref: str) -> Span:
    return Span("", "channel", ref)


def day(d: date, text: str | None = None) -> Span:
    return Span(text if text is not None else d.isoformat(), "date", d.isoformat())


def icon(name: str, words: str = "") -> Span:
    """An emoji before words: decoration only (the plain text drops it), unless ``words`` say what it is (a
    reaction to add, say), which the plain text shows instead."""
    return Span(words, "icon", name)


def quote(s: str) -> Span:
    """A quoted sentence (GAO's, or the owner's)."""
    return Span(s, "quote")


def text(*parts: str | Span | list | None) -> Text:
    """Spans from strings (plain), spans and lists of spans; None is skipped."""
    out: Text = []
    for p in parts:
        if p is None:
            continue
        if isinstance(p, str):
            if p:
                out.append(Span(p))
        elif isinstance(p, Span):
            out.append(p)
        else:
            out += text(*p)
    return out


def join(lines: list[Text], sep: str = "\n") -> Text:
    out: Text = []
    for i, ln in enumerate(lines):
        if i:
            out.append(Span(sep))
        out += ln
    return out


@dataclass
class Field:
    label: str
    value: Text


@dataclass
class Heading:
    text: str


@dataclass
class Section:
    text: Text
    fields: list[Field] = field(default_factory=list)
    id: str | None = None
    limit: int = 3000


@dataclass
class Note:
    """A small line under a section (Slack: a context block)."""
    text: Text
    limit: int = 2000


@dataclass
class Divider:
    pass


@dataclass
class Action:
    id: str
    label: str
    value: str = ""
    style: str | None = None  # "primary" for the one expected answer
    kind: str = "button"  # "button" | "date" (a date picker; label is its placeholder)


@dataclass
class Actions:
    actions: list[Action]
    id: str | None = None


Part = Heading | Section | Note | Divider | Actions


@dataclass
class Message:
    """One message: its parts, the top-level sentence a notification shows (meaning in words), and the thread it
    answers in (the outbox key of the parent, when it is one of gaorec's own messages)."""
    parts: list[Part] = field(default_factory=list)
    text: Text = field(default_factory=list)
    thread: str | None = None
    legacy: dict | None = None  # an outbox row planned before neutral messages: Slack's {"text", "blocks"}, as is

    @property
    def title(self) -> str:
        return next((p.text for p in self.parts if isinstance(p, Heading)), to_plain(self.text))

    @property
    def actions(self) -> list[Action]:
        return [a for p in self.parts if isinstance(p, Actions) for a in p.actions]

    def to_dict(self) -> dict:
        d: dict = {"parts": [_part_dict(p) for p in self.parts], "text": _spans_dict(self.text)}
        if self.thread:
            d["thread"] = self.thread
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Message:
        return cls(parts=[_part(p) for p in d.get("parts", [])], text=_spans(d.get("text", [])),
                   thread=d.get("thread"))


def message(*spans) -> Message:
    """A one-section message whose top-level text is the same words."""
    t = text(*spans)
    return Message(parts=[Section(t)], text=t)


# -- JSON (the outbox stores messages this way) ------------------------------------------------
def _spans_dict(spans: Text) -> list:
    out = []
    for s in spans:
        d: dict = {"t": s.text}
        if s.kind != "plain":
            d["k"] = s.kind
        if s.ref:
            d["r"] = s.ref
        if s.strong:
            d["b"] = True
        out.append(d)
    return out


def _spans(items: list) -> Text:
    return [Span(d.get("t", ""), d.get("k", "plain"), d.get("r", ""), bool(d.get("b"))) for d in items]


def _part_dict(p: Part) -> dict:
    if isinstance(p, Heading):
        return {"p": "heading", "text": p.text}
    if isinstance(p, Section):
        d: dict = {"p": "section", "text": _spans_dict(p.text), "limit": p.limit}
        if p.fields:
            d["fields"] = [{"label": f.label, "value": _spans_dict(f.value)} for f in p.fields]
        if p.id:
            d["id"] = p.id
        return d
    if isinstance(p, Note):
        return {"p": "note", "text": _spans_dict(p.text), "limit": p.limit}
    if isinstance(p, Divider):
        return {"p": "divider"}
    return {"p": "actions", "id": p.id, "actions": [
        {k: v for k, v in (("id", a.id), ("label", a.label), ("value", a.value), ("style", a.style),
                           ("kind", a.kind)) if v is not None} for a in p.actions]}


def _part(d: dict) -> Part:
    kind = d["p"]
    if kind == "heading":
        return Heading(d["text"])
    if kind == "section":
        return Section(_spans(d["text"]), [Field(f["label"], _spans(f["value"])) for f in d.get("fields", [])],
                       d.get("id"), d.get("limit", 3000))
    if kind == "note":
        return Note(_spans(d["text"]), d.get("limit", 2000))
    if kind == "divider":
        return Divider()
    return Actions([Action(a["id"], a["label"], a.get("value", ""), a.get("style"), a.get("kind", "button"))
                    for a in d["actions"]], d.get("id"))


# -- plain text (the shell, the CLI) ---------------------------------------------------------------
def _ref_ok(url: str) -> bool:
    return url.startswith("https://") and not any(c in url for c in "<>| ")


def to_plain(spans: Text) -> str:
    out = []
    for s in spans:
        if s.kind == "link":
            out.append(f"{s.text} ({s.ref})" if _ref_ok(s.ref) else s.text)
        elif s.kind == "user":
            ref = s.ref[8:] if s.ref.startswith("subteam:") else s.ref
            out.append(("@" + ref if _ID.fullmatch(ref) else ref) if ref else "unassigned")
        elif s.kind == "channel":
            out.append(f"#{s.ref}")
        elif s.kind == "icon":
            if s.text:
                out.append(s.text + " ")
        elif s.kind == "quote":
            out.append("> " + s.text)
        else:
            out.append(s.text)
    return "".join(out)


def render_text(msg: Message) -> str:
    """The message as the shell and the CLI print it: words only, no chat markup."""
    if not msg.parts:
        return to_plain(msg.text)
    out: list[str] = []
    for p in msg.parts:
        if isinstance(p, Heading):
            out += [p.text, "=" * min(len(p.text), 72)]
        elif isinstance(p, Section):
            if p.text:
                out.append(to_plain(p.text))
            out += [f"  {f.label}: {to_plain(f.value)}" for f in p.fields]
        elif isinstance(p, Note):
            out.append("  " + to_plain(p.text))
        elif isinstance(p, Divider):
            out.append("-" * 72)
        elif isinstance(p, Actions):
            out.append("  " + " ".join(f"[{a.label}]" for a in p.actions if a.kind == "button"))
    return "\n".join(out)
