"""Speaker roles from labels, from the conversation (spk_0/spk_1), and per turn when one label covers all."""
from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.models import Role, Transcript, Turn
from analyzer.readers import read_file
from analyzer.roles import assign_roles
from support import REALDATA


def call(*pairs, **meta):
    turns = tuple(Turn(i, spk, Role.UNKNOWN, text) for i, (spk, text) in enumerate(pairs))
    return Transcript("r", turns, meta)


def roles_of(transcript):
    return [t.role.value for t in transcript.turns]


def test_pack_alias_maps_label(en_pack, en_runtime):
    out = assign_roles(call(("Operator", "Good morning, how can I help?"), ("Member", "Hi.")), en_pack, en_runtime.matcher)
    assert roles_of(out) == ["agent", "customer"]
    assert out.role_source == "mapping"


def test_unknown_speakers_inferred_even_when_customer_speaks_first(en_pack, en_runtime):
    out = assign_roles(call(("spk_0", "Hello?"),
                            ("spk_1", "Good morning, thank you for calling Acme Bank, how can I help you?"),
                            ("spk_0", "I'd like to check my balance."),
                            ("spk_1", "Of course, can I have your account number?"),
                            ("spk_0", "It's 1234.")), en_pack, en_runtime.matcher)
    assert roles_of(out) == ["customer", "agent", "customer", "agent", "customer"]
    assert out.role_source == "inference" and out.role_confidence >= 0.5


def test_one_label_for_everyone_is_split_per_turn(en_pack, en_runtime):
    lines = ["Good morning, Acme Bank, how can I help you?", "Yes, hello, I'd like to check my balance.",
             "No problem, can I have your date of birth?", "It's the 3rd of May 1980.",
             "Thank you. Your balance is 200 pounds. Is there anything else I can help you with?",
             "No, thank you.", "Thank you for calling Acme Bank, goodbye."]
    out = assign_roles(call(*[("Agent", text) for text in lines]), en_pack, en_runtime.matcher)
    assert roles_of(out) == ["agent", "customer", "agent", "customer", "agent", "customer", "agent"]
    assert out.role_source == "inference:turns"


needs_realdata = pytest.mark.skipif(not REALDATA.is_dir(), reason="shared/realdata is not beside the project")


@needs_realdata
def test_pca_declared_labels_are_overridden(en_pack, en_runtime):
    (t,) = read_file(REALDATA / "aws-pca-samples" / "testfile.json")
    out = assign_roles(t, en_pack, en_runtime.matcher)
    by_speaker = {turn.speaker: turn.role for turn in out.turns}
    assert t.metadata["declared_roles"]["spk_0"] == "agent"  # what the file claims
    assert by_speaker == {"spk_0": Role.CUSTOMER, "spk_1": Role.AGENT}


@needs_realdata
@pytest.mark.parametrize("name", ["prebuilt-callCenter_transcript.vtt", "prebuilt-audioAnalyzer_transcript.vtt"])
def test_azure_vtt_uniform_label_is_split(en_pack, en_runtime, name):
    (t,) = read_file(REALDATA / "azure-content-understanding-doc-example" / name)
    out = assign_roles(t, en_pack, en_runtime.matcher)
    role = {turn.text: turn.role.value for turn in out.turns}
    assert role["How can I help you today?"] == "agent"
    assert role["I would like to inquire about my current point balance."] == "customer"
    assert role["I need your date of birth to confirm your identity."] == "agent"
    assert role["It is April 19th, 1988."] == "customer"
    assert role["Your current point balance is 599 points."] == "agent"
    assert role["No, thank you."] == "customer"
    assert role["Goodbye at Contoso."] == "agent"
    # "Great." (the agent acknowledging the date of birth) carries no evidence either way.
    correct = sum(1 for turn in out.turns if turn.role.value == _AZURE_TRUTH[turn.index])
    assert correct >= len(out.turns) - 1


# Who says each cue of the published Azure example, from its own transcriptPhrases and the dialogue.
_AZURE_TRUTH = ["agent"] * 4 + ["customer"] * 3 + ["agent"] * 3 + ["customer"] + ["agent"] * 3 + ["customer"] * 3 + ["agent"] * 2


@needs_realdata
def test_deepgram_speaker_zero_is_the_agent(en_pack, en_runtime):
    (t,) = read_file(REALDATA / "deepgram-premier-phone-call" / "deepgram_example.json")
    out = assign_roles(t, en_pack, en_runtime.matcher)
    assert {turn.speaker: turn.role.value for turn in out.turns} == {"speaker_0": "agent", "speaker_1": "customer"}


@pytest.mark.parametrize("lang, lines", [
    ("ru", ["Алло?", "Здравствуйте, компания «Альфа-Телеком», меня зовут Анна, чем могу помочь?",
            "Я хотел бы узнать баланс.", "Назовите, пожалуйста, номер договора."]),
    ("it", ["Pronto?", "Buongiorno, Banca Aurora, sono Giulia, come posso aiutarla?",
            "Vorrei sapere il mio saldo.", "Mi può dire il suo codice cliente?"]),
])
def test_unknown_speakers_inferred_in_other_languages(lang, lines):
    from analyzer.engine import PackRuntime
    from analyzer.pack import load_pack
    from support import RULES

    pack = load_pack(RULES / lang)
    out = assign_roles(call(*[("spk_0" if i % 2 == 0 else "spk_1", text) for i, text in enumerate(lines)]),
                       pack, PackRuntime(pack).matcher)
    assert roles_of(out) == ["customer", "agent", "customer", "agent"]


@pytest.mark.parametrize("label", ["Colleague", "Supervisor", "IVR"])
def test_a_third_party_named_in_english_is_neither_side_in_any_language(label):
    """A colleague's lines in an Italian call labelled in English ("Colleague:") are nobody's: not the
    caller's, so the call can end with the colleague taking it over."""
    from analyzer.engine import PackRuntime
    from analyzer.pack import load_pack
    from support import RULES

    runtime = PackRuntime(load_pack(RULES / "it"))
    transcript = call(("Agent", "Buongiorno, sono Marta di Arredo Express, come posso aiutarla?"),
                      ("Customer", "Buongiorno, volevo sapere della consegna."),
                      (label, "Buongiorno signora, sono Marco dell'ufficio consegne."))
    roles = [t.role for t in assign_roles(transcript, runtime.pack, runtime.matcher).turns]
    assert roles == [Role.AGENT, Role.CUSTOMER, Role.OTHER]
