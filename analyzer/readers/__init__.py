"""Transcript readers: files in, `Transcript`s (or `InputError`s) out.

Each format lives in its own module with `detect(path, text) -> bool` and
`read(path, text, options) -> list[Transcript]`; `READERS` lists them in detection order. A reader
raises `TranscriptReadError` for bad input; `read_file` turns that into an `InputError` so one bad
file never stops a batch.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..models import InputError, Transcript
from .base import ReadOptions, TranscriptReadError
from .encoding import decode_file
from . import (
    aws_contact_lens,
    aws_pca,
    aws_transcribe,
    azure_batch,
    azure_conversation,
    csv_turns,
    deepgram,
    generic_json,
    json_calls,
    subtitles,
    text_lines,
    whisper,
)

# Order matters: the first reader whose detect() accepts the content wins. Vendor formats are told
# apart by their own keys; generic_json takes other lists of turns; json_calls claims any .json last.
READERS = [
    aws_transcribe,
    aws_contact_lens,
    aws_pca,
    deepgram,
    whisper,
    azure_conversation,
    azure_batch,
    subtitles,
    generic_json,
    json_calls,
    csv_turns,
    text_lines,
]

TRANSCRIPT_SUFFIXES = {".json", ".jsonl", ".ndjson", ".txt", ".csv", ".tsv", ".vtt", ".srt"}


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders (recursively) into a sorted list of transcript files."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() in TRANSCRIPT_SUFFIXES and not p.name.startswith(".")
            )
        else:
            found.append(path)
    seen: set[Path] = set()
    unique = []
    for p in found:
        if p not in seen:
            seen.add(p)
            unique.append(p)
    return unique


def read_file(path: str | Path, options: ReadOptions | None = None) -> list[Transcript | InputError]:
    """Read one file into its calls; any problem becomes an InputError naming the file and line."""
    options = options or ReadOptions()
    path = Path(path)
    try:
        text, encoding = decode_file(path, options.encoding)
    except FileNotFoundError:
        return [InputError(str(path), None, "file not found")]
    except TranscriptReadError as exc:
        return [InputError(str(path), exc.line, exc.message)]
    except OSError as exc:
        return [InputError(str(path), None, f"cannot read file: {exc.strerror or exc}")]
    if not text.strip():
        return [InputError(str(path), None, "file is empty: expected a transcript")]
    for reader in READERS:
        if reader.detect(path, text):
            try:
                calls = reader.read(path, text, options)
            except TranscriptReadError as exc:
                return [InputError(str(path), exc.line, exc.message)]
            results: list[Transcript | InputError] = []
            for call in calls:
                if not call.turns:
                    results.append(InputError(str(path), None, f"call {call.call_id!r} has no turns"))
                else:
                    results.append(_with_encoding(call, encoding))
            return results
    return [
        InputError(
            str(path),
            None,
            "unrecognised transcript format: expected JSON, JSONL, CSV or 'Speaker: text' lines",
        )
    ]


def iter_calls(paths: Iterable[str | Path], options: ReadOptions | None = None) -> Iterator[Transcript | InputError]:
    for path in discover(paths):
        yield from read_file(path, options)


def _with_encoding(call: Transcript, encoding: str) -> Transcript:
    from dataclasses import replace

    return replace(call, encoding=encoding)


__all__ = ["ReadOptions", "TranscriptReadError", "discover", "read_file", "iter_calls", "READERS"]
