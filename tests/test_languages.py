"""The Russian, Bulgarian, Italian and Romanian packs: catalog coverage, rule examples, labelled
samples, per-language spelling, and one batch over every language with the right pack each."""
from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.engine import PackRuntime, check_call
from analyzer.evaluation import compare, fold_findings, load_labels
from analyzer.models import CallResult, Role, Transcript, Turn
from analyzer.normalize import fold_diacritics, tokenize
from analyzer.pack import load_pack
from analyzer.ruletest import run_pack
from analyzer.runner import Checker

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("ru", "bg", "it", "ro")
from support import CATALOG  # noqa: E402


@pytest.fixture(scope="module")
def packs():
    return {lang: load_pack(ROOT / "rules" / lang) for lang in ("en", *LANGS)}


@pytest.fixture(scope="module")
def runtimes(packs):
    return {lang: PackRuntime(packs[lang]) for lang in LANGS}


@pytest.fixture(scope="module")
def batch():
    checker = Checker.from_rules(ROOT / "rules")
    return [r for r in checker.check_paths([ROOT / "sample_transcripts"]) if isinstance(r, CallResult)]


def _call(lang: str, *turns: tuple[Role, str], **metadata: str) -> Transcript:
    return Transcript("t", tuple(Turn(i, role.value, role, text) for i, (role, text) in enumerate(turns)),
                      {"language": lang, **metadata})


def _verdict(runtime: PackRuntime, transcript: Transcript, name: str) -> str:
    return fold_findings(check_call(transcript, runtime).findings)[name].status.value


@pytest.mark.parametrize("lang", LANGS)
def test_pack_has_every_catalog_rule_with_the_english_ids(packs, lang):
    english = {rd.name: rd.id for rd in packs["en"].rules}
    ours = {rd.name: rd.id for rd in packs[lang].rules}
    assert [name for name in CATALOG if name not in ours] == []
    assert {name: ours[name] for name in CATALOG} == {name: english[name] for name in CATALOG}
    assert packs[lang].language == lang


@pytest.mark.parametrize("lang", LANGS)
def test_rule_examples_pass(packs, lang):
    results = run_pack(packs[lang])
    assert len(results) >= 70
    assert [r.describe() for r in results if not r.ok] == []


@pytest.mark.parametrize("lang", LANGS)
def test_labelled_samples_agree(lang):
    folder = ROOT / "sample_transcripts" / lang
    results = [r for r in Checker.from_rules(ROOT / "rules" / lang).check_paths([folder]) if isinstance(r, CallResult)]
    labels = load_labels(folder / "labels.yml")
    assert len(labels) >= 15
    agreement = compare(results, labels)
    assert agreement.missing_calls == [] and agreement.unlabelled == []
    assert [str(m) for m in agreement.misses] == []
    # Every rule name is seen passing and failing somewhere in the set.
    for name in (n for n in agreement.total if n != "end_reason"):
        seen = {calls[name] for calls in labels.values()}
        assert {"pass", "fail"} <= seen, name


def test_russian_thanks_counts_only_from_the_agent(runtimes):
    ru = runtimes["ru"]
    agent = _call("ru", (Role.AGENT, "Добрый день, чем могу помочь?"), (Role.CUSTOMER, "Узнать баланс."),
                  (Role.AGENT, "Могу ли я ещё чем-нибудь помочь?"), (Role.CUSTOMER, "Нет, это всё."),
                  (Role.AGENT, "Спасибо за обращение, до свидания."))
    customer = _call("ru", (Role.AGENT, "Добрый день, чем могу помочь?"), (Role.CUSTOMER, "Узнать баланс."),
                     (Role.AGENT, "Могу ли я ещё чем-нибудь помочь?"),
                     (Role.CUSTOMER, "Нет. Спасибо за обращение, до свидания."), (Role.AGENT, "Хорошо."))
    assert _verdict(ru, agent, "closing.thanks") == "pass"
    assert _verdict(ru, customer, "closing.thanks") == "fail"


def test_romanian_without_diacritics_passes_greeting_and_thanks(runtimes):
    ro = runtimes["ro"]
    call = _call("ro", (Role.AGENT, "buna ziua banca carpati cu ce va pot ajuta"), (Role.CUSTOMER, "as vrea soldul"),
                 (Role.AGENT, "va mai pot ajuta cu ceva"), (Role.CUSTOMER, "nu"),
                 (Role.AGENT, "buna ziua, va multumim ca ati sunat, o zi buna"))
    assert _verdict(ro, call, "greeting.salutation") == "pass"
    assert _verdict(ro, call, "closing.thanks") == "pass"
    bare = _call("ro", (Role.AGENT, "buna ziua"), (Role.CUSTOMER, "as vrea soldul"), (Role.AGENT, "multumesc, la revedere"))
    assert _verdict(ro, bare, "closing.thanks") == "fail"


def test_romanian_cedilla_and_comma_below_are_one_letter():
    assert tokenize("Mulţumim, aşteptaţi", "ro") == tokenize("Mulțumim, așteptați", "ro") == ["mulțumim", "așteptați"]
    assert fold_diacritics("mulțumim") == fold_diacritics("mulţumim") == "multumim"


def test_russian_yo_folds_and_fillers_drop():
    assert tokenize("Э-э, ещё ммм всё", "ru") == ["еще", "все"]
    assert tokenize("ъъъ благодаря", "bg") == ["благодаря"]
    assert tokenize("ehm grazie", "it") == ["grazie"]
    assert tokenize("ăă mulțumesc", "ro") == ["mulțumesc"]


def test_italian_elisions_split_for_matching(runtimes):
    it = runtimes["it"]
    call = _call("it", (Role.AGENT, "Buongiorno, come posso aiutarla?"), (Role.CUSTOMER, "Vorrei parlare con i mutui."),
                 (Role.AGENT, "Le dispiace se la passo all'ufficio mutui?"), (Role.CUSTOMER, "Sì."))
    assert _verdict(it, call, "transfer.permission") == "pass"
    assert _verdict(it, call, "transfer.announce-target") == "pass"


def test_one_batch_checks_every_language_with_its_own_pack(batch):
    by_folder: dict[str, set[str]] = {}
    for result in batch:
        folder = Path(result.transcript.source_file).parent.name
        by_folder.setdefault(folder, set()).add(result.language)
        assert result.language == folder, result.transcript.call_id
        declared = result.transcript.metadata.get("language")
        assert result.language_source == ("metadata" if declared else "detected")
    assert set(by_folder) == {"en", *LANGS}
    assert sum(1 for r in batch if r.language_source == "detected" and r.language in LANGS) >= 4 * len(LANGS)


@pytest.mark.parametrize("lang, said, upset", [
    # A cancellation asked for calmly is a request; the same verb as a threat is not.
    ("ru", "Здравствуйте. Хочу расторгнуть договор, я переезжаю.", False),
    ("ru", "Всё, я расторгаю договор!", True),
    ("bg", "Добро утро. Искам да прекратя договора си, местим се.", False),
    ("bg", "Стига вече, ще прекратя договора!", True),
    # "Non se ne può più" before a verb says "can no longer", not "I've had enough".
    ("it", "Vorrei intestare le bollette a me, mio marito non se ne può più occupare.", False),
    ("it", "Terza volta che chiamo, non se ne può più.", True),
])
def test_calm_requests_are_not_upset(runtimes, lang, said, upset):
    transcript = _call(lang, (Role.AGENT, "Acme, buongiorno."), (Role.CUSTOMER, said), (Role.AGENT, "..."))
    stages = [s.stage for s in check_call(transcript, runtimes[lang]).stages]
    assert ("difficult_client" in stages) == upset
