"""Parse and check one input line (an item) of an import, without touching the database.

Every problem is collected as a ``Problem(line, field, reason)``; a line with any problem is not
imported. Answers are checked against the project's questions later (``ingest.import_file``), since
that needs the project; everything else about a line is checked here.
"""

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from feedback.projects.schema import BOTH_BAD, TIE

ITEM_FIELDS = ("id", "prompt", "messages", "candidates", "metadata", "annotations", "priority", "gold",
               "suggestions", "tools")
CANDIDATE_FIELDS = ("id", "model", "version", "output", "messages", "metadata")
ANNOTATION_FIELDS = ("annotator", "preference", "ranking", "thumbs", "ratings", "flags", "correction", "rationale",
                     "shown_order", "time_spent_s")
SUGGESTION_FIELDS = ("agent", "preference", "ranking", "ratings", "flags", "score", "rationale")
MESSAGE_FIELDS = ("role", "content", "name", "tool_calls", "tool_call_id", "function_call")
ROLES = ("system", "user", "assistant", "tool")
CANDIDATE_ROLES = ("assistant", "tool")
RESERVED_KEYS = (TIE, BOTH_BAD)
MAX_ID, MAX_KEY, MAX_MODEL, MAX_VERSION, MAX_ANNOTATOR, MAX_AGENT = 200, 100, 200, 100, 100, 200
MAX_DEPTH = 64
MAX_PRIORITY = 1_000_000_000  # |priority|: any ordering people need, far from integer overflow
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89abcdefABCDEF])")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one line of an input file (``line`` 0 = the whole file)."""

    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}, field {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


@dataclass(slots=True)
class ParsedAnnotation:
    index: int  # position in the line's "annotations" list (for field names)
    annotator: str
    preference: Any
    ratings: Any
    flags: Any
    correction: Any
    rationale: Any
    ranking: Any = None  # checked against the candidates and the project's questions later
    thumbs: Any = None
    shown_order: list[str] | None = None  # candidate ids left to right, as the annotator saw them
    time_spent_s: float | None = None


@dataclass(slots=True)
class ParsedSuggestion:
    """An automatic judge's verdict on the item (its answers are checked against the project later)."""

    index: int  # position in the line's "suggestions" list (for field names)
    agent: str
    preference: Any
    ranking: Any
    ratings: Any
    flags: Any
    score: float | None
    rationale: Any


@dataclass(slots=True)
class ParsedItem:
    line: int
    external_id: str
    explicit_id: bool
    prompt: str | None
    messages: list[dict[str, Any]] | None
    candidates: list[dict[str, Any]]  # key, model, version, output, messages, meta
    meta: dict[str, Any]
    content_hash: str
    annotations: list[ParsedAnnotation] = field(default_factory=list)
    priority: int = 0  # higher is served first
    gold: dict[str, Any] | None = None  # the known answer (checked against the project's questions later)
    columns: dict[str, str] = field(default_factory=dict)  # field -> the source's name for it (CSV columns)
    suggestions: list[ParsedSuggestion] = field(default_factory=list)  # automatic judges' verdicts

    @property
    def keys(self) -> list[str]:
        return [c["key"] for c in self.candidates]


Record = tuple[int, ParsedItem | None, list[Problem]]  # (line, the item if the line is valid, its problems)


def kind(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def printable(name: str) -> str:
    """A field name safe to print: control characters, NULs and lone surrogates from the file are escaped."""
    return name if name.isprintable() else name.encode("unicode_escape").decode("ascii")


def short(value: Any, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters (values from a file can be huge)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def unknown_field(name: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
    if close:
        return f"unknown field; did you mean {close[0]!r}?"
    return f"unknown field (known fields: {', '.join(known)})"


def content_hash(prompt: str | None, messages: list | None, candidates: list[dict[str, Any]],
                 tools: list | None = None) -> str:
    """sha256 of the canonical JSON of the item's input (with its tools, when it has any) and candidates (not
    metadata, not annotations)."""
    payload: dict[str, Any] = {"prompt": prompt} if messages is None else {"messages": messages}
    if tools:
        payload["tools"] = tools
    payload["candidates"] = [
        {"id": c["key"], "model": c["model"], "version": c["version"],
         **({"output": c["output"]} if c["messages"] is None else {"messages": c["messages"]})}
        for c in candidates
    ]
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))  # ASCII: \\u escapes, and faster
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def load_json_line(text: str, line: int) -> tuple[Any, Problem | None]:
    """The JSON value of one line, or the problem that stops it from being read."""
    try:
        return _DECODER.decode(text), None
    except json.JSONDecodeError as e:
        hint = "; a file of items has one JSON object per line (JSONL), not a JSON array" \
            if line == 1 and text.lstrip().startswith("[") else ""
        return None, Problem(line, "", f"not valid JSON ({e.msg} at column {e.colno}){hint}")
    except RecursionError:
        return None, Problem(line, "", "not valid JSON (nested too deeply)")
    except ValueError as e:  # NaN / Infinity, integers over Python's digit limit
        return None, Problem(line, "", f"not valid JSON ({e})")


def check_line(obj: Any, line: int, raw: str | None = None) -> tuple[ParsedItem | None, list[Problem]]:
    """Check one parsed line. ``raw`` is the line's text, used to skip the slow text scan when it is clean."""
    checker = _LineChecker(line)
    if raw is None or "\\u" in raw and _SUSPECT_ESCAPE.search(raw):
        checker.scan_text(obj)
    if raw is None or raw.count("[") + raw.count("{") > MAX_DEPTH:
        checker.check_depth(obj)
    if checker.problems:
        return None, checker.problems
    item = checker.item(obj)
    return (None, checker.problems) if checker.problems else (item, [])


def is_empty(value: Any) -> bool:
    """No answer: null, blank text, an empty list, or an object whose values are all empty."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return not value
    if isinstance(value, dict):
        return all(is_empty(v) for v in value.values())
    return False


def _present(obj: dict[str, Any]) -> dict[str, Any]:
    """The object without its null values: ``"field": null`` means the same as leaving the field out."""
    return {k: v for k, v in obj.items() if v is not None}


class _LineChecker:
    def __init__(self, line: int):
        self.line = line
        self.problems: list[Problem] = []

    def bad(self, field_: str, reason: str) -> None:
        self.problems.append(Problem(self.line, printable(field_), reason))

    def scan_text(self, obj: Any) -> None:
        """Report text no database can store: NUL characters and unpaired surrogates."""
        stack: list[tuple[str, Any]] = [("", obj)]
        while stack:
            path, value = stack.pop()
            if isinstance(value, dict):
                for k, v in value.items():
                    sub = f"{path}.{k}" if path else str(k)
                    self._scan_str(sub, k, key=True)
                    stack.append((sub, v))
            elif isinstance(value, list):
                stack.extend((f"{path}[{i}]", v) for i, v in enumerate(value))
            elif isinstance(value, str):
                self._scan_str(path, value)

    def _scan_str(self, path: str, text: str, *, key: bool = False) -> None:
        what = "the field name" if key else "the text"
        if "\x00" in text:
            self.bad(path, f"{what} contains a NUL character (\\u0000), which databases cannot store")
            return
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as e:
            self.bad(path, f"{what} contains an unpaired surrogate (\\u{ord(text[e.start]):04x}), "
                           "which is not valid Unicode")

    def check_depth(self, obj: Any) -> None:
        stack = [(obj, 1)]
        while stack:
            value, depth = stack.pop()
            if depth > MAX_DEPTH:
                self.bad("", f"nested more than {MAX_DEPTH} levels deep")
                return
            if isinstance(value, dict):
                stack.extend((v, depth + 1) for v in value.values())
            elif isinstance(value, list):
                stack.extend((v, depth + 1) for v in value)

    def unknown(self, obj: dict[str, Any], known: tuple[str, ...], where: str = "") -> None:
        for key in obj:
            if key not in known:
                self.bad(f"{where}.{key[:60]}" if where else key[:60], unknown_field(key, known))

    def text(self, value: Any, where: str, sub: str = "", *, limit: int | None = None) -> str | None:
        """``value`` if it is non-blank text; ``where.sub`` names the field (joined only when reported)."""
        if isinstance(value, str) and value and not value.isspace() and len(value) <= (limit or len(value)):
            return value
        where = f"{where}.{sub}" if sub else where
        if not isinstance(value, str):
            self.bad(where, f"must be text, not {kind(value)}")
        elif not value.strip():
            self.bad(where, "empty text")
        else:
            self.bad(where, f"longer than {limit} characters")
        return None

    def item(self, obj: Any) -> ParsedItem | None:
        if not isinstance(obj, dict):
            hint = "; a file of items has one JSON object per line (JSONL)" if isinstance(obj, list) else ""
            self.bad("", f"not a JSON object (got {kind(obj)}){hint}")
            return None
        obj = _present(obj)
        self.unknown(obj, ITEM_FIELDS)
        external_id = self.item_id(obj.get("id"))
        prompt, messages = self.item_input(obj)
        candidates = self.candidates(obj.get("candidates"))
        meta = self.metadata(obj.get("metadata", {}), "metadata")
        tools = self.tools(obj.get("tools"), meta)
        if tools:
            meta = {**meta, "tools": tools}   # kept in Item.meta["tools"] (exported as a tools column)
        keys = [c["key"] for c in candidates or []]
        annotations = self.annotations(obj.get("annotations", []), keys)
        suggestions = self.suggestions(obj.get("suggestions", []), keys)
        priority = self.priority(obj.get("priority", 0))
        gold = self.gold(obj.get("gold"))
        if self.problems:
            return None
        digest = content_hash(prompt, messages, candidates, tools)
        return ParsedItem(
            line=self.line, external_id=external_id or f"h-{digest[:16]}",
            explicit_id=external_id is not None, prompt=prompt, messages=messages, candidates=candidates,
            meta=meta, content_hash=digest, annotations=annotations, priority=priority, gold=gold,
            suggestions=suggestions,
        )

    def priority(self, value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            given = short(value) if isinstance(value, float) else kind(value)
            self.bad("priority", f"must be a whole number (higher is served first), not {given}")
            return 0
        if abs(value) > MAX_PRIORITY:
            self.bad("priority", f"{short(value)} is outside -{MAX_PRIORITY:,} to {MAX_PRIORITY:,}")
            return 0
        return value

    def gold(self, value: Any) -> dict[str, Any] | None:
        """The gold answer's shape; its values are checked with the project's questions (``ingest``)."""
        if value is None:
            return None
        if not isinstance(value, dict) or not value:
            self.bad("gold", 'must be the known answer, e.g. {"preference": "a"} or {"ranking": {"a": 1, ...}}'
                             f", not {kind(value) if value != {} else 'an empty object'}")
            return None
        return value

    def tools(self, value: Any, meta: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The tools the agent could call: a list of OpenAI-style tool objects (``{"type": "function",
        "function": {"name", "description", "parameters"}}``) or bare function schemas (``{"name", ...}``)."""
        if value is None:
            return None
        if "tools" in meta:
            self.bad("metadata.tools", "the item also has a tools field; give the tools once, in tools")
            return None
        if not isinstance(value, list):
            self.bad("tools", f"must be a list of tool objects, not {kind(value)}")
            return None
        for k, tool in enumerate(value):
            at = f"tools[{k}]"
            if not isinstance(tool, dict) or not tool:
                self.bad(at, f"must be a tool object, e.g. {{\"type\": \"function\", \"function\": {{\"name\": ...}}}}, "
                             f"not {kind(tool) if tool != {} else 'an empty object'}")
            elif "function" in tool or tool.get("type") == "function":
                fn = tool.get("function")
                if not isinstance(fn, dict):
                    self.bad(f"{at}.function", f"must be an object with the function's name, not {kind(fn)}")
                else:
                    self.text(fn.get("name"), f"{at}.function", "name", limit=MAX_KEY)
            elif "name" in tool:
                self.text(tool["name"], at, "name", limit=MAX_KEY)
            else:
                self.bad(at, "needs a function (an object with a name) or a name")
        return value

    def item_id(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return self.text(value, "id", limit=MAX_ID)

    def item_input(self, obj: dict[str, Any]) -> tuple[str | None, list | None]:
        if "prompt" in obj and "messages" in obj:
            self.bad("", "has both 'prompt' and 'messages'; give exactly one")
            return None, None
        if "prompt" in obj:
            return self.text(obj["prompt"], "prompt"), None
        if "messages" in obj:
            return None, self.messages(obj["messages"], "messages", ROLES)
        self.bad("", "needs a 'prompt' (text) or 'messages' (a conversation)")
        return None, None

    def messages(self, value: Any, where: str, roles: tuple[str, ...]) -> list[dict[str, Any]] | None:
        if not isinstance(value, list):
            self.bad(where, f"must be a list of {{role, content}} messages, not {kind(value)}")
            return None
        if not value:
            self.bad(where, "empty list; give at least one message")
            return None
        out = []
        for k, message in enumerate(value):
            at = f"{where}[{k}]"
            if not isinstance(message, dict):
                self.bad(at, f"must be an object with role and content, not {kind(message)}")
                continue
            message = _present(message)
            self.unknown(message, MESSAGE_FIELDS, at)
            role = message.get("role")
            if role is None:
                self.bad(f"{at}.role", f"missing role (one of {', '.join(roles)})")
            elif not isinstance(role, str) or role not in roles:
                self.bad(f"{at}.role", f"{short(role)} is not one of {', '.join(map(repr, roles))}")
            calls = message.get("tool_calls")
            if calls is not None and not (isinstance(calls, list) and calls
                                          and all(isinstance(c, dict) for c in calls)):
                self.bad(f"{at}.tool_calls", "must be a non-empty list of tool call objects")
            for name in ("name", "tool_call_id"):
                if name in message:
                    self.text(message[name], at, name)
            if "function_call" in message and not isinstance(message["function_call"], dict):
                self.bad(f"{at}.function_call", "must be an object")
            calling = role == "assistant" and bool(calls or message.get("function_call"))
            if calling and message.get("content", "") == "":
                message["content"] = ""  # a pure tool call: no text
            elif "content" not in message:
                self.bad(f"{at}.content", "missing content")
            else:
                self.text(message["content"], at, "content")
            out.append(message)
        return out

    def candidates(self, value: Any) -> list[dict[str, Any]] | None:
        if value is None:
            self.bad("candidates", "missing; an item needs at least one candidate output")
            return None
        if not isinstance(value, list):
            self.bad("candidates", f"must be a list of candidates, not {kind(value)}")
            return None
        if not value:
            self.bad("candidates", "empty list; an item needs at least one candidate output")
            return None
        out: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for i, cand in enumerate(value):
            at = f"candidates[{i}]"
            if not isinstance(cand, dict):
                self.bad(at, f"must be an object with an output, not {kind(cand)}")
                continue
            cand = _present(cand)
            self.unknown(cand, CANDIDATE_FIELDS, at)
            key = self.text(cand.get("id", default_key(i)), at, "id", limit=MAX_KEY)
            if key in RESERVED_KEYS:
                self.bad(f"{at}.id", f"{key!r} is reserved for preferences; use another candidate id")
            elif key is not None and key in seen:
                self.bad(f"{at}.id", f"duplicate candidate id {key!r} (also candidates[{seen[key]}])")
            elif key is not None:
                seen[key] = i
            model = cand.get("model", "")
            model = self.text(model, at, "model", limit=MAX_MODEL) if model != "" else ""
            version = self.text(cand["version"], at, "version", limit=MAX_VERSION) if "version" in cand \
                else None
            output, messages = None, None
            if "output" in cand and "messages" in cand:
                self.bad(at, "has both 'output' and 'messages'; give exactly one")
            elif "output" in cand:
                output = self.text(cand["output"], at, "output")
            elif "messages" in cand:
                messages = self.messages(cand["messages"], f"{at}.messages", CANDIDATE_ROLES)
            else:
                self.bad(at, "needs an 'output' (text) or 'messages' (the agent's turns)")
            meta = self.metadata(cand.get("metadata", {}), at, "metadata")
            out.append({"key": key, "model": model, "version": version, "output": output,
                        "messages": messages, "meta": meta, "position": i})
        return out

    def metadata(self, value: Any, where: str, sub: str = "") -> dict[str, Any]:
        if not isinstance(value, dict):
            self.bad(f"{where}.{sub}" if sub else where, f"must be an object, not {kind(value)}")
            return {}
        return value

    def annotations(self, value: Any, keys: list[str]) -> list[ParsedAnnotation]:
        if not isinstance(value, list):
            self.bad("annotations", f"must be a list of annotations, not {kind(value)}")
            return []
        out: list[ParsedAnnotation] = []
        seen: dict[str, int] = {}
        for j, ann in enumerate(value):
            at = f"annotations[{j}]"
            if not isinstance(ann, dict):
                self.bad(at, f"must be an object with an annotator and answers, not {kind(ann)}")
                continue
            ann = _present(ann)
            self.unknown(ann, ANNOTATION_FIELDS, at)
            name = ann.get("annotator")
            if name is None:
                self.bad(f"{at}.annotator", "missing annotator name")
            else:
                name = self.text(name, at, "annotator", limit=MAX_ANNOTATOR)
                name = name.strip() if name else None
                if name is not None and name in seen:
                    self.bad(f"{at}.annotator",
                             f"{name!r} already annotated this item (annotations[{seen[name]}])")
                elif name is not None:
                    seen[name] = j
            ratings, flags = _short_forms(ann, keys)
            answer = (_preference(ann), ratings, flags, ann.get("correction"), ann.get("rationale"))
            ranking, thumbs = ann.get("ranking"), ann.get("thumbs")
            if all(is_empty(part) for part in (*answer, ranking, thumbs)):
                self.bad(at, "answers nothing; give a preference, a ranking, thumbs, ratings, flags, a correction "
                             "or a rationale")
            out.append(ParsedAnnotation(j, name or "", *answer, ranking=ranking, thumbs=thumbs,
                                        shown_order=self.shown_order(ann.get("shown_order"), keys, at),
                                        time_spent_s=self.seconds(ann.get("time_spent_s"), at)))
        return out


    def shown_order(self, value: Any, keys: list[str], at: str) -> list[str] | None:
        """The candidate ids left to right as the annotator saw them: each candidate once."""
        if value is None:
            return None
        if not isinstance(value, list) or sorted(map(str, value)) != sorted(keys) or len(set(value)) != len(value):
            self.bad(f"{at}.shown_order", f"must list each candidate id once, left to right ({', '.join(keys)}), "
                                          f"not {short(value)}")
            return None
        return [str(k) for k in value]

    def seconds(self, value: Any, at: str) -> float | None:
        """Time spent on the item, in seconds (a number, 0 or more)."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 10**7:
            self.bad(f"{at}.time_spent_s", f"must be a number of seconds, 0 or more, not {short(value)}")
            return None
        return float(value)

    def suggestions(self, value: Any, keys: list[str]) -> list[ParsedSuggestion]:
        """Automatic judges' verdicts: like annotations, named by ``agent``, with an optional ``score``."""
        if not isinstance(value, list):
            self.bad("suggestions", f"must be a list of suggestions, not {kind(value)}")
            return []
        out: list[ParsedSuggestion] = []
        seen: dict[str, int] = {}
        for j, sug in enumerate(value):
            at = f"suggestions[{j}]"
            if not isinstance(sug, dict):
                self.bad(at, f"must be an object with an agent and its verdict, not {kind(sug)}")
                continue
            sug = _present(sug)
            self.unknown(sug, SUGGESTION_FIELDS, at)
            name = sug.get("agent")
            if name is None:
                self.bad(f"{at}.agent", "missing agent name (the automatic judge, e.g. 'gpt-judge')")
            else:
                name = self.text(name, at, "agent", limit=MAX_AGENT)
                name = name.strip() if name else None
                if name is not None and name in seen:
                    self.bad(f"{at}.agent", f"{name!r} already judged this item (suggestions[{seen[name]}])")
                elif name is not None:
                    seen[name] = j
            score = sug.get("score")
            if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
                self.bad(f"{at}.score", f"must be a number, not {kind(score)}")
                score = None
            ratings, flags = _short_forms(sug, keys)
            answer = (_preference(sug), sug.get("ranking"), ratings, flags, sug.get("rationale"))
            if all(is_empty(part) for part in answer):
                self.bad(at, "answers nothing; give a preference, ranking, ratings, flags or a rationale")
            out.append(ParsedSuggestion(j, name or "", *answer[:4],
                                        score=None if score is None else float(score), rationale=answer[4]))
        return out


def _preference(answer: dict[str, Any]) -> Any:
    preference = answer.get("preference")
    if isinstance(preference, str) and not preference.strip():
        return None  # "" = no preference, as tools that always write the column do
    return preference


def _short_forms(answer: dict[str, Any], keys: list[str]) -> tuple[Any, Any]:
    """``ratings`` and ``flags`` keyed by candidate; a single candidate's may be given without its key."""
    ratings, flags = answer.get("ratings", {}), answer.get("flags", {})
    if len(keys) == 1 and isinstance(ratings, dict) and ratings \
            and not any(isinstance(v, dict) for v in ratings.values()):
        ratings = {keys[0]: ratings}  # short form for a single candidate
    if len(keys) == 1 and isinstance(flags, list):
        flags = {keys[0]: flags}
    return ratings, flags


def default_key(position: int) -> str:
    """Candidate ids by position: a, b, ... z, then c27, c28, ..."""
    return chr(ord("a") + position) if position < 26 else f"c{position + 1}"
