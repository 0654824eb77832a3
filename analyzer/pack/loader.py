"""Load a rule-pack folder: YAML files in, a validated `Pack` out, or every problem located as file:line:col.

YAML is composed into nodes first so that each key and value keeps its position; pydantic then
validates the plain data and its error locations are mapped back to those positions.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .schema import (
    BUILTIN_VARIABLES,
    MESSAGE_PLACEHOLDERS,
    RULE_ID_PREFIX,
    WILDCARD,
    CheckType,
    Cue,
    Group,
    Manifest,
    RegexFormula,
    StageFile,
    slots_in,
)

MANIFEST_NAME = "ruleset.yml"


@dataclass(frozen=True)
class PackProblem:
    file: str
    line: int
    col: int
    message: str
    hint: str | None = None
    rule_id: str | None = None

    def __str__(self) -> str:
        who = f"rule {self.rule_id}: " if self.rule_id else ""
        text = f"{self.file}:{self.line}:{self.col}: error: {who}{self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class PackError(Exception):
    def __init__(self, problems: list[PackProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def report(self) -> str:
        n = len(self.problems)
        return "\n".join(str(p) for p in self.problems) + f"\n{n} error{'s' if n != 1 else ''} in rule pack"


@dataclass(frozen=True)
class RuleDef:
    """A validated rule with where it came from (for findings' rule_source and error messages)."""

    rule: Rule
    stage: str
    source: str  # file:line

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def name(self) -> str:
        return self.rule.name


@dataclass
class Pack:
    root: Path
    manifest: Manifest
    stages: dict[str, StageFile]
    rules: list[RuleDef]
    stage_sources: dict[str, str] = field(default_factory=dict)

    @property
    def language(self) -> str:
        return self.manifest.language

    @property
    def name(self) -> str:
        return self.manifest.name

    def rule(self, rule_id: str) -> RuleDef:
        for rd in self.rules:
            if rd.id == rule_id:
                return rd
        raise KeyError(rule_id)

    def segment(self, stage: str):
        stage_file = self.stages.get(stage)
        return stage_file.segment if stage_file else None

    def variable_names(self) -> set[str]:
        return set(BUILTIN_VARIABLES) | set(self.manifest.variables)


# --- YAML with positions -------------------------------------------------------------------------

Path_ = tuple[Any, ...]


class _Positions:
    """Maps a data path (keys and list indexes) to the (line, col) of its node, 1-based."""

    def __init__(self) -> None:
        self.value: dict[Path_, tuple[int, int]] = {}
        self.key: dict[Path_, tuple[int, int]] = {}

    def locate(self, path: Path_, *, prefer_key: bool = False) -> tuple[int, int]:
        path = tuple(path)
        while True:
            if prefer_key and path in self.key:
                return self.key[path]
            if path in self.value:
                return self.value[path]
            if path in self.key:
                return self.key[path]
            if not path:
                return (1, 1)
            path = path[:-1]


def _construct(node: yaml.Node, path: Path_, pos: _Positions, problems: list[tuple[Path_, str]], loader) -> Any:
    pos.value[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                key = str(key)
            child = path + (key,)
            if key in out:
                pos.key[child + ("__dup__",)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                problems.append((child + ("__dup__",), f"duplicate key {key!r}"))
            pos.key[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _construct(value_node, child, pos, problems, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, path + (i,), pos, problems, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _load_yaml(file: Path) -> tuple[Any, _Positions, list[tuple[Path_, str]]]:
    text = file.read_text(encoding="utf-8")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise _YamlSyntax(line, col, f"YAML syntax: {getattr(exc, 'problem', None) or exc}") from None
    finally:
        loader.dispose()
    pos = _Positions()
    problems: list[tuple[Path_, str]] = []
    if node is None:
        return {}, pos, problems
    return _construct(node, (), pos, problems, yaml.SafeLoader("")), pos, problems


class _YamlSyntax(Exception):
    def __init__(self, line: int, col: int, message: str):
        self.line, self.col, self.message = line, col, message


# --- validation ---------------------------------------------------------------------------------


def _fields_of(model: type[BaseModel], path: Path_) -> list[str]:
    """The allowed keys at `path` inside `model`, for 'did you mean' hints."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        info = current.model_fields.get(part) or next(
            (f for f in current.model_fields.values() if f.alias == part), None
        )
        if info is None:
            return []
        current = _inner_model(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _inner_model(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in args or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _problems_from_validation(
    exc: ValidationError, model: type[BaseModel], data: Any, file: str, pos: _Positions
) -> list[PackProblem]:
    out = []
    seen: set[tuple[Path_, str]] = set()
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p in ("str", "RegexFormula"))))
        kind = err["type"]
        # Unions report one error per branch; keep the most useful one per location.
        if (loc, kind) in seen:
            continue
        seen.add((loc, kind))
        rule_id = _rule_id_at(data, loc)
        # Inside a rule, name keys relative to it: "rule GR01: check: ..." rather than "rules[0].check".
        shown_loc = loc[2:] if rule_id and len(loc) > 2 else loc
        hint = None
        if kind == "extra_forbidden":
            key = loc[-1]
            message = f"unknown key {key!r}"
            allowed = _fields_of(model, loc[:-1])
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else ("allowed keys: " + ", ".join(allowed) if allowed else None)
            line, col = pos.locate(loc, prefer_key=True)
        elif kind in ("enum", "literal_error"):
            expected = err.get("ctx", {}).get("expected", "")
            value = err.get("input")
            message = f"{_dotted(shown_loc)}: {value!r} is not allowed; expected {expected}"
            options = [o.strip(" '") for o in str(expected).replace(" or ", ",").split(",") if o.strip(" '")]
            close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}?" if close else None
            line, col = pos.locate(loc)
        elif kind == "missing":
            message = f"missing required key {loc[-1]!r}"
            line, col = pos.locate(loc[:-1])
        else:
            text = err["msg"].removeprefix("Value error, ")
            message = f"{_dotted(shown_loc)}: {text}" if shown_loc else text
            line, col = pos.locate(loc)
            if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
                hint = "thresholds are percentages from 0 to 100" if "threshold" in str(loc[-1]) else None
        if any(p.file == file and p.line == line and p.message == message for p in out):
            continue
        out.append(PackProblem(file, line, col, message, hint, rule_id))
    return out


def _dotted(loc: Path_) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _rule_id_at(data: Any, loc: Path_) -> str | None:
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        try:
            rid = data["rules"][loc[1]].get("id")
            return str(rid) if rid else None
        except (KeyError, IndexError, TypeError, AttributeError):
            return None
    return None


def _formula_texts(rule: dict) -> list[tuple[Path_, str]]:
    """Formula strings of a raw rule dict with their paths (works on rules that failed validation)."""
    out: list[tuple[Path_, str]] = []

    def add(prefix: Path_, items: Any) -> None:
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, str):
                    out.append((prefix + (i,), item))

    add(("any_of",), rule.get("any_of"))
    add(("exceptions",), rule.get("exceptions"))
    for g, group in enumerate(rule.get("all_of") or [] if isinstance(rule.get("all_of"), list) else []):
        if isinstance(group, dict):
            add(("all_of", g, "any_of"), group.get("any_of"))
    when = rule.get("when")
    if isinstance(when, dict):
        add(("when", "any_of"), when.get("any_of"))
    return out


def _semantic_checks(
    data: Any, file: str, pos: _Positions, variables: set[str], seen_ids: dict[str, str], seen_names: dict[str, str],
) -> list[PackProblem]:
    """Checks pydantic cannot make: unknown variables, duplicate ids and names, id prefix vs stage.

    They run on the raw YAML data so that they are reported even when other keys failed validation."""
    problems: list[PackProblem] = []
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        return problems
    stage = data.get("stage")
    allowed_slots = variables | {WILDCARD}
    for i, rule in enumerate(data["rules"]):
        if not isinstance(rule, dict):
            continue
        base = ("rules", i)
        rule_id = str(rule.get("id")) if rule.get("id") is not None else None

        def problem(sub: Path_, message: str, hint: str | None = None) -> None:
            line, col = pos.locate(base + sub)
            problems.append(PackProblem(file, line, col, message, hint, rule_id))

        here = f"{file}:{pos.locate(base)[0]}"
        if rule_id is not None:
            if rule_id in seen_ids:
                problem(("id",), f"duplicate rule id {rule_id!r} (also at {seen_ids[rule_id]})", "give every rule its own id")
            else:
                seen_ids[rule_id] = here
            expected_stage = RULE_ID_PREFIX.get(rule_id[:2])
            if expected_stage and stage not in (None, "general", expected_stage):
                problem(("id",), f"id prefix {rule_id[:2]} is for stage {expected_stage!r}, but this file is stage {stage!r}")
        name = rule.get("name")
        if isinstance(name, str):
            if name in seen_names:
                problem(("name",), f"duplicate rule name {name!r} (also at {seen_names[name]})")
            else:
                seen_names[name] = here
        for sub, text in _formula_texts(rule):
            for slot in slots_in(text):
                if slot not in allowed_slots:
                    close = difflib.get_close_matches(slot, sorted(allowed_slots), n=1)
                    problem(sub, f"unknown variable {{{slot}}} in formula {text!r}",
                            f"did you mean {{{close[0]}}}?" if close else "declare it under 'variables' in ruleset.yml")
        message = rule.get("message")
        if isinstance(message, str):
            for slot in slots_in(message):
                if slot not in set(MESSAGE_PLACEHOLDERS) | variables:
                    close = difflib.get_close_matches(slot, list(MESSAGE_PLACEHOLDERS) + sorted(variables), n=1)
                    problem(("message",), f"unknown placeholder {{{slot}}} in message",
                            f"did you mean {{{close[0]}}}?" if close else "allowed: " + ", ".join(MESSAGE_PLACEHOLDERS))
        lo, hi = rule.get("min"), rule.get("max")
        if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            problem(("min",), f"min ({lo}) is greater than max ({hi})")
    return problems


def _validate(model: type[BaseModel], data: Any, file: str, pos: _Positions) -> tuple[Any, list[PackProblem]]:
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, _problems_from_validation(exc, model, data, file, pos)


def load_pack(path: str | Path) -> Pack:
    """Load and validate a pack folder; raise PackError listing every problem found."""
    root = Path(path)
    manifest_file = root / MANIFEST_NAME if root.is_dir() else root
    if manifest_file.is_file() and root.is_file():
        root = root.parent
    display = lambda f: str(f)  # noqa: E731 - paths are shown as given, relative when the user gave them so
    if not manifest_file.is_file():
        raise PackError([PackProblem(display(manifest_file), 1, 1, f"no {MANIFEST_NAME} here: a rule pack is a folder with a manifest",
                                     f"point --rules at a pack folder such as rules/en, or at a folder of packs such as rules/")])
    problems: list[PackProblem] = []
    try:
        data, pos, dup = _load_yaml(manifest_file)
    except _YamlSyntax as exc:
        raise PackError([PackProblem(display(manifest_file), exc.line, exc.col, exc.message)]) from None
    problems += [PackProblem(display(manifest_file), *pos.locate(p, prefer_key=True), m) for p, m in dup]
    manifest, errs = _validate(Manifest, data, display(manifest_file), pos)
    problems += errs
    if manifest is None:
        raise PackError(problems)
    variables = set(BUILTIN_VARIABLES) | set(manifest.variables)
    stages: dict[str, StageFile] = {}
    stage_sources: dict[str, str] = {}
    rules: list[RuleDef] = []
    seen_ids: dict[str, str] = {}
    seen_names: dict[str, str] = {}
    # Every place that names another rule by id: (file, line, owning rule id, key, the ids it names).
    references: list[tuple[str, int, str | None, str, list[str]]] = []
    for i, name in enumerate(manifest.files):
        file = root / name
        shown = display(file)
        if not file.is_file():
            line, col = pos.locate(("files", i))
            problems.append(PackProblem(display(manifest_file), line, col, f"listed file {name!r} does not exist",
                                        "fix the name under 'files' or add the file"))
            continue
        try:
            sdata, spos, sdup = _load_yaml(file)
        except _YamlSyntax as exc:
            problems.append(PackProblem(shown, exc.line, exc.col, exc.message))
            continue
        problems += [PackProblem(shown, *spos.locate(p, prefer_key=True), m) for p, m in sdup]
        stage_file, errs = _validate(StageFile, sdata, shown, spos)
        problems += errs
        problems += _semantic_checks(sdata, shown, spos, variables, seen_ids, seen_names)
        if stage_file is None:
            continue
        if stage_file.stage in stages and stage_file.stage != "general":
            problems.append(PackProblem(shown, *spos.locate(("stage",)), f"stage {stage_file.stage!r} is defined twice",
                                        f"also in {stage_sources[stage_file.stage]}"))
            continue
        stages[stage_file.stage] = stage_file
        stage_sources[stage_file.stage] = shown
        for r, rule in enumerate(stage_file.rules):
            rules.append(RuleDef(rule, stage_file.stage, f"{shown}:{spos.locate(('rules', r))[0]}"))
        if stage_file.segment.cancelled_by:
            line, _ = spos.locate(("segment", "cancelled_by"), prefer_key=True)
            references.append((shown, line, None, "segment.cancelled_by", stage_file.segment.cancelled_by))
        if stage_file.segment.cues_from:
            line, _ = spos.locate(("segment", "cues_from"), prefer_key=True)
            references.append((shown, line, None, "segment.cues_from", stage_file.segment.cues_from))
    known_ids = {rd.id for rd in rules}
    for rd in rules:
        file, line = rd.source.rsplit(":", 1)
        not_after = (rd.rule.when.not_after if rd.rule.when else None) or []
        for key, refs in (("sequence", rd.rule.sequence or []), ("of", [rd.rule.of] if rd.rule.of else []),
                          ("when.not_after", not_after), ("also_forbids", rd.rule.also_forbids or [])):
            references.append((file, int(line), rd.id, key, refs))
    checks = {rd.id: rd.rule.check for rd in rules}
    for file, line, owner, key, refs in references:
        for ref in refs:
            if ref not in known_ids:
                close = difflib.get_close_matches(ref, sorted(known_ids), n=1)
                problems.append(PackProblem(file, line, 1, f"{key} names unknown rule id {ref!r}",
                                            f"did you mean {close[0]!r}?" if close else None, owner))
            elif key == "also_forbids" and checks[ref] is not CheckType.FORBIDDEN:
                problems.append(PackProblem(file, line, 1, f"also_forbids names rule {ref!r}, whose check is "
                                            f"{checks[ref].value!r}", "name a forbidden rule", owner))
    if problems:
        raise PackError(problems)
    by_id = {rd.id: rd for rd in rules}
    stages = {name: _with_rule_cues(stage_file, by_id) for name, stage_file in stages.items()}
    return Pack(root=root, manifest=manifest, stages=stages, rules=rules, stage_sources=stage_sources)


def _with_rule_cues(stage_file: StageFile, by_id: dict[str, RuleDef]) -> StageFile:
    """The stage with the formulas of the rules named by `segment.cues_from` added to its cues (not those
    with a slot)."""
    segment = stage_file.segment
    if not segment.cues_from:
        return stage_file
    formulas = list(segment.cues.any_of) if segment.cues else []
    for rule_id in segment.cues_from:
        # A formula with a slot is left out: an open one ("have a {*} week") says too little to locate
        # a stage by, and one with a value ("thanks for calling {company}") comes without it too.
        formulas.extend(f for f in by_id[rule_id].rule.any_of or ()
                        if f not in formulas and not (isinstance(f, str) and slots_in(f)))
    cues = segment.cues.model_copy(update={"any_of": formulas}) if segment.cues else Cue(any_of=formulas)
    return stage_file.model_copy(update={"segment": segment.model_copy(update={"cues": cues})})


def find_packs(path: str | Path) -> dict[str, Pack]:
    """A pack folder gives one pack; a folder of pack folders gives one per language."""
    root = Path(path)
    if (root / MANIFEST_NAME).is_file() or root.is_file():
        pack = load_pack(root)
        return {pack.language: pack}
    if not root.is_dir():
        raise PackError([PackProblem(str(root), 1, 1, "rule pack folder not found", "pass --rules rules/en or --rules rules/")])
    packs: dict[str, Pack] = {}
    problems: list[PackProblem] = []
    subdirs = sorted(p for p in root.iterdir() if (p / MANIFEST_NAME).is_file())
    if not subdirs:
        raise PackError([PackProblem(str(root), 1, 1, f"no rule packs here (no */{MANIFEST_NAME})",
                                     "pass a pack folder such as rules/en, or a folder of packs")])
    for sub in subdirs:
        try:
            pack = load_pack(sub)
        except PackError as exc:
            problems += exc.problems
            continue
        packs[pack.language] = pack
    if problems:
        raise PackError(problems)
    return packs


__all__ = ["Pack", "PackError", "PackProblem", "RuleDef", "load_pack", "find_packs", "Cue", "Group", "RegexFormula"]
