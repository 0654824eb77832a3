"""The fast paths give exactly what the plain ones give: tokenising a call at once, evidence offsets,
CSV rendering, and above all every verdict, score and evidence of the matcher's pruned search
(upper bounds, signature words, bit masks, lazy cue searches) against the exhaustive search."""
from __future__ import annotations

import io
import random
import sys
from pathlib import Path

import pandas as pd
import pytest

from analyzer.engine import PackRuntime, check_call
from analyzer.export import neutralise_frame
from analyzer.normalize import token_spans, token_spans_fast, tokenize_many
from analyzer.pack import load_pack
from analyzer.readers import discover, read_file
from analyzer.rowformat import COLUMN_TYPES, frame_dtypes, header, render_rows
from analyzer.tables import FINDINGS_COLUMNS, STAGES_COLUMNS, TURNS_COLUMNS, TableBuilder
from reference_matching import ReferenceMatcher, reference_checks
from support import RULES, SAMPLES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import corpus  # noqa: E402

LANGUAGES = ("en", "ru", "it", "ro", "bg", "xx")
ALPHABET = "abcXYZ09 '’`-_.,!?\t\u00e9\u00df\u0301ёЁй\u2019\"()[]—–…;:/lLdşţ\n"


def _random_texts(rng: random.Random) -> list[str]:
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 30))) for _ in range(rng.randrange(1, 5))]


def test_tokenize_many_gives_the_words_of_token_spans():
    rng = random.Random(1)
    for _ in range(3000):
        texts, lang = _random_texts(rng), rng.choice(LANGUAGES)
        assert tokenize_many(texts, lang) == [[w for w, _, _ in token_spans(t, lang)] for t in texts], (texts, lang)


def test_token_spans_fast_gives_token_spans():
    rng = random.Random(2)
    for _ in range(3000):
        text, lang = "".join(_random_texts(rng)), rng.choice(LANGUAGES)
        assert token_spans_fast(text, lang) == token_spans(text, lang), (text, lang)


def test_render_rows_writes_what_pandas_writes():
    rng = random.Random(3)
    values = {"float": [None, 0.1, 1 / 3, 1e-7, 1e22, -0.0, 100.0, 85.7], "int": [0, 3, 12],
              "Int": [None, 0, 7], "bool": [True, False]}
    texts = ["", "plain", "a,b", 'say "hi"', "=SUM(A1)", "-5", "line\nbreak", "ünïcode"]
    for table in ("findings", "stages", "turns"):
        columns = {"findings": FINDINGS_COLUMNS, "stages": STAGES_COLUMNS, "turns": TURNS_COLUMNS}[table]
        kinds = COLUMN_TYPES[table]
        rows = [{c: rng.choice(values[kinds[c]]) if c in kinds else rng.choice(texts) for c in columns}
                for _ in range(200)]
        frame = pd.DataFrame(rows).reindex(columns=columns).astype(frame_dtypes(table, columns))
        buffer = io.StringIO()
        neutralise_frame(frame).to_csv(buffer, index=False)
        assert header(columns) + render_rows(table, rows, columns) == buffer.getvalue()


def _calls(tmp_path_factory) -> list:
    """Every labelled sample, and synthetic calls with every kind of formula damage and decoy."""
    root = tmp_path_factory.mktemp("synthetic")
    corpus.generate(12, root, seed=5)
    paths = discover([SAMPLES]) + discover([root / corpus.CALLS_DIR])
    return [item for path in paths for item in read_file(path) if not hasattr(item, "message")]


@pytest.fixture(scope="module")
def transcripts(tmp_path_factory):
    return _calls(tmp_path_factory)


def _runtime(language: str, reference: bool) -> PackRuntime:
    runtime = PackRuntime(load_pack(RULES / language))
    if reference:
        runtime.matcher = ReferenceMatcher(runtime.lm)
        runtime._compile_all()
    return runtime


def test_fast_matching_gives_the_verdicts_of_the_exhaustive_search(transcripts):
    by_language: dict[str, list] = {}
    for call in transcripts:
        by_language.setdefault(str(call.metadata.get("language", "en"))[:2], []).append(call)
    compared = 0
    for language, calls in sorted(by_language.items()):
        fast, slow = _runtime(language, False), _runtime(language, True)
        fast_results = [check_call(call, fast) for call in calls]
        with reference_checks():
            slow_results = [check_call(call, slow) for call in calls]
        for a, b in zip(fast_results, slow_results):
            assert a.findings == b.findings, a.transcript.call_id
            assert (a.stages, a.end_reason, a.score, a.transcript.turns) == (b.stages, b.end_reason, b.score, b.transcript.turns)
            compared += 1
    assert compared >= 100


def test_tables_of_the_fast_run_are_those_of_the_table_builder(transcripts):
    """The CSV rendered row by row (as workers do) is the CSV of the one-piece DataFrame."""
    from analyzer.batch import call_output

    runtime = _runtime("en", False)
    results = [check_call(call, runtime) for call in transcripts if call.metadata.get("language", "en") == "en"]
    tables = TableBuilder().add_all(results).build()
    outputs = [call_output(r) for r in results]
    for name in ("findings", "stages", "turns"):
        target = io.StringIO()
        neutralise_frame(tables[name]).to_csv(target, index=False)
        rendered = header(list(tables[name].columns)) + "".join(o.fragments[name] for o in outputs)
        assert rendered == target.getvalue(), name
