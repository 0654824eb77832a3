"""Batch checking: paths and a rules location in, CallResults and InputErrors out, one file at a time.

A bad file becomes an InputError and the batch goes on. Packs are loaded once per run, and each
language's matcher is built the first time a call in that language turns up.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from .engine import PackRuntime, check_call
from .language import choose_language
from .models import CallResult, InputError, Transcript
from .pack.loader import MANIFEST_NAME, Pack, find_packs
from .readers import ReadOptions, discover, read_file


@dataclass
class Checker:
    """Everything a run needs besides the transcripts: packs, slot overrides, reading options."""

    packs: dict[str, Pack]
    forced: str | None = None  # a single pack named with --rules rules/xx applies to every call
    overrides: Mapping[str, str] = field(default_factory=dict)
    read_options: ReadOptions = field(default_factory=ReadOptions)
    spacy_model: str | None = None
    _runtimes: dict[str, PackRuntime] = field(default_factory=dict)

    @classmethod
    def from_rules(cls, rules: str | Path, packs: dict[str, Pack] | None = None, **kwargs) -> "Checker":
        packs = find_packs(rules) if packs is None else packs
        path = Path(rules)
        forced = next(iter(packs)) if (path / MANIFEST_NAME).is_file() or path.is_file() else None
        return cls(packs=packs, forced=forced, **kwargs)

    def runtime(self, language: str) -> PackRuntime:
        rt = self._runtimes.get(language)
        if rt is None:
            rt = self._runtimes[language] = PackRuntime(self.packs[language], self.spacy_model)
        return rt

    def check(self, transcript: Transcript) -> CallResult | InputError:
        language, source = choose_language(transcript, self.packs, self.forced)
        if language is None or language not in self.packs:
            return InputError(
                transcript.source_file, None,
                f"call {transcript.call_id!r}: no rule pack for language {language or 'unknown'!r}; "
                f"available: {', '.join(sorted(self.packs))}. Set 'language' in the call or pass --rules rules/<lang>",
            )
        return check_call(transcript, self.runtime(language), self.overrides, language_source=source)

    def check_file(self, path: str | Path) -> list[CallResult | InputError]:
        out: list[CallResult | InputError] = []
        for item in read_file(path, self.read_options):
            out.append(item if isinstance(item, InputError) else self.check(item))
        return out

    def check_paths(
        self, paths: Iterable[str | Path], progress: Callable[[Path], None] | None = None
    ) -> Iterator[CallResult | InputError]:
        """Results in file order (then call order within a file)."""
        files = discover(paths)
        seen_ids: set[str] = set()
        for path in files:
            for item in self.check_file(path):
                if isinstance(item, CallResult):
                    item = _unique_id(item, seen_ids)
                yield item
            if progress:
                progress(path)


def unique_call_id(call_id: str, seen: set[str]) -> str:
    """`call_id`, or `call_id#2`, `#3`... if an earlier call of the run had it (two files with the same
    call_id would merge in every table: both are kept, and the id says so); recorded in `seen`."""
    new_id = call_id
    n = 2
    while new_id in seen:
        new_id = f"{call_id}#{n}"
        n += 1
    seen.add(new_id)
    return new_id


def _unique_id(result: CallResult, seen: set[str]) -> CallResult:
    cid = result.transcript.call_id
    new_id = unique_call_id(cid, seen)
    if new_id == cid:
        return result
    transcript = replace(result.transcript, call_id=new_id)
    findings = tuple(replace(f, call_id=new_id) for f in result.findings)
    return replace(result, transcript=transcript, findings=findings)
