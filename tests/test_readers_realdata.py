"""Every real third-party transcript in ../shared/realdata reads into calls with the expected turns.

The files are not copied into the project (some licences forbid it); the tests skip when the folder
is absent. Speakers and roles are asserted as the files state them, traps included: the readers
report what a file says and leave corrections to role inference.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from analyzer.models import InputError, Role, Transcript
from analyzer.readers import ReadOptions, read_file

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"

pytestmark = pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is not present")

_AUDIO = {".wav", ".mp3", ".flac", ".ogg", ".m4a", ".opus"}
# Files in realdata that hold no dialogue: ABCD's policy documents and Harper Valley's per-call
# metadata (read beside each transcript instead). They must fail cleanly, not crash.
_NOT_TRANSCRIPTS = {"abcd/guidelines.json", "abcd/kb.json", "abcd/ontology.json"}


def _is_transcript(rel: str) -> bool:
    return rel not in _NOT_TRANSCRIPTS and not rel.startswith("harper-valley/metadata/")


def _real_files() -> list[str]:
    if not REALDATA.is_dir():
        return []
    found = []
    for path in sorted(REALDATA.rglob("*")):
        name = path.name.upper()
        if not path.is_file() or path.suffix.lower() in _AUDIO | {".md"}:
            continue
        if name.startswith(("LICENSE", "SOURCES")):
            continue
        found.append(path.relative_to(REALDATA).as_posix())
    return found


REAL_FILES = _real_files()


def read(rel: str, **options) -> list[Transcript]:
    results = read_file(REALDATA / rel, ReadOptions(**options))
    errors = [r for r in results if isinstance(r, InputError)]
    assert not errors, errors
    return results  # type: ignore[return-value]


def one(rel: str, **options) -> Transcript:
    [call] = read(rel, **options)
    return call


def speakers(call: Transcript) -> Counter:
    return Counter((t.speaker, t.role) for t in call.turns)


def texts(call: Transcript) -> list[str]:
    return [t.text for t in call.turns]


@pytest.mark.parametrize("rel", [f for f in REAL_FILES if _is_transcript(f)])
def test_every_real_transcript_reads_into_calls_with_turns(rel: str) -> None:
    calls = read(rel)
    assert calls
    for call in calls:
        assert len(call.turns) > 0
        assert all(t.text.strip() for t in call.turns)


@pytest.mark.parametrize("rel", [f for f in REAL_FILES if not _is_transcript(f)])
def test_real_non_transcripts_become_input_errors(rel: str) -> None:
    results = read_file(REALDATA / rel)
    assert len(results) == 1 and isinstance(results[0], InputError)
    assert results[0].message


def test_realdata_holds_the_expected_files() -> None:
    assert len([f for f in REAL_FILES if f.startswith("harper-valley/transcript/")]) == 60
    assert "deepgram-premier-phone-call/deepgram_example.json" in REAL_FILES


# Amazon Transcribe batch outputs


def test_transcribe_diarization_example() -> None:
    call = one("aws-docs-asr-examples/transcribe_batch_diarization_example.json")
    assert [(t.speaker, t.role, t.text) for t in call.turns] == [
        ("spk_0", Role.UNKNOWN, "I've been on hold for an hour."),
        ("spk_1", Role.UNKNOWN, "Sorry about that."),
    ]
    assert (call.turns[0].start_s, call.turns[0].end_s) == (4.87, 6.88)


def test_transcribe_channel_identification_example() -> None:
    call = one("aws-docs-asr-examples/transcribe_batch_channel_id_example.json")
    assert [(t.speaker, t.text) for t in call.turns] == [
        ("ch_0", "I've been on hold for an hour."),
        ("ch_1", "Sorry about that."),
    ]
    assert call.turns[1].start_s == 8.5


def test_tscribe_channel_identification() -> None:
    call = one("aws-transcribe-tscribe-samples/02-channel-identification.json")
    assert len(call.turns) == 7
    assert set(speakers(call)) == {("ch_0", Role.UNKNOWN), ("ch_1", Role.UNKNOWN)}
    assert call.turns[0].speaker == "ch_1"
    assert call.turns[0].text.startswith("She was gone out into the village on some errand when,")
    assert call.turns[1].text.startswith("it will be well for you if you join,")


def test_tscribe_speaker_identification() -> None:
    call = one("aws-transcribe-tscribe-samples/03-speaker-identification.json")
    assert len(call.turns) == 7
    assert {t.speaker for t in call.turns} == {"spk_0", "spk_1", "spk_2"}
    assert all(t.role is Role.UNKNOWN for t in call.turns)


def test_tscribe_vocabulary_filter_masks_are_kept() -> None:
    call = one("aws-transcribe-tscribe-samples/13-speaker-identification-vocabulary-filter-mask.json")
    assert len(call.turns) == 7
    assert call.turns[0].text.startswith("She was gone out into the *** on some errand when, as she was ***")
    assert sum(t.text.count("***") for t in call.turns) == 10


# Contact Lens / Call Analytics


def test_contact_lens_voice() -> None:
    call = one("aws-docs-asr-examples/contact_lens_voice_analysis_example.json")
    assert len(call.turns) == 10
    assert speakers(call) == Counter({("AGENT", Role.AGENT): 5, ("CUSTOMER", Role.CUSTOMER): 5})
    assert (call.turns[2].role, call.turns[2].text) == (Role.AGENT, "Hello. Peter, how can I help you?")
    assert (call.turns[2].start_s, call.turns[2].end_s) == (4.64, 6.61)


def test_contact_lens_chat_system_messages_are_never_agent_speech() -> None:
    call = one("aws-docs-asr-examples/contact_lens_chat_analysis_example.json")
    assert len(call.turns) == 31
    assert speakers(call) == Counter(
        {("SYSTEM", Role.OTHER): 3, ("AGENT", Role.AGENT): 15, ("CUSTOMER", Role.CUSTOMER): 13}
    )
    assert call.turns[0].text.startswith("Hello, thanks for contacting us.")
    assert call.turns[3].role is Role.AGENT
    assert call.turns[3].text == "Hello, thanks for reaching Example Corp. This is Jane. How may I help you?"
    assert call.metadata["agent_name"] == "Jane"
    assert call.turns[-1].text == "Ok great! Have a great day."
    assert len(call.metadata["chat_events"]) == 4
    # The published example tags a customer complaint as AGENT; it is read as the file states it.
    complaint = next(t for t in call.turns if t.text.startswith("It's just too bad."))
    assert complaint.role is Role.AGENT


def test_contact_lens_chat_redacted() -> None:
    call = one("aws-docs-asr-examples/contact_lens_chat_analysis_example_redacted.json")
    assert len(call.turns) == 31
    assert "agent_name" not in call.metadata  # "[PII]" is no name
    assert call.turns[3].text == "Hello, thanks for reaching Example Corp. This is [PII]. How may I help you?"
    complaint = next(t for t in call.turns if t.text.startswith("It's just too bad."))
    assert complaint.role is Role.CUSTOMER


# Post-call analytics


def test_pca_declared_labels_are_metadata_only() -> None:
    call = one("aws-pca-samples/testfile.json")
    assert len(call.turns) == 12
    assert speakers(call) == Counter({("spk_0", Role.UNKNOWN): 6, ("spk_1", Role.UNKNOWN): 6})
    assert call.metadata["speaker_labels"] == {"spk_0": "Agent", "spk_1": "Customer"}
    assert call.metadata["declared_roles"] == {"spk_0": "agent", "spk_1": "customer"}
    # The trap: spk_1, declared the customer, is the one answering the phone.
    assert (call.turns[1].speaker, call.turns[1].text) == (
        "spk_1",
        "Thank you for calling Networks abc technical Support.",
    )
    assert "This is [PII] speaking. Am I speaking to [PII]?" in texts(call)
    assert call.metadata["date"] == "2021-11-25"


# Deepgram


def test_deepgram_utterances_with_the_merged_customer_sentence() -> None:
    call = one("deepgram-premier-phone-call/deepgram_example.json")
    assert len(call.turns) == 107
    assert speakers(call) == Counter({("speaker_0", Role.UNKNOWN): 50, ("speaker_1", Role.UNKNOWN): 57})
    assert call.turns[0].text == (
        "Hi. Thank you for calling Premier Phone Services. "
        "This call may be recorded for quality and training purposes."
    )
    merged = "Not a problem. Is there anything else I can help you with? No. That's all I needed."
    assert [t.speaker for t in call.turns if t.text == merged] == ["speaker_0"]
    assert call.turns[-1].end_s is not None and call.turns[-1].end_s > 460


# Azure


def test_azure_conversation_sample() -> None:
    call = one("azure-speech-callcenter-sample/Json_input_customer_support.json")
    assert len(call.turns) == 17
    assert speakers(call) == Counter({("Agent", Role.AGENT): 10, ("Customer", Role.CUSTOMER): 7})
    assert call.turns[0].text == "Hello, you’re chatting with Rene. How may I help you?"
    assert "Fantastic! Is there anything else I can assist you today?" in texts(call)
    assert call.metadata["language"] == "en"


def test_azure_call_center_vtt_is_read_as_tagged_and_flagged_uniform() -> None:
    call = one("azure-content-understanding-doc-example/prebuilt-callCenter_transcript.vtt")
    assert len(call.turns) == 19
    assert speakers(call) == Counter({("Agent", Role.AGENT): 19})
    assert call.metadata["uniform_speaker_label"] is True
    assert "My name is Maria Smith." in texts(call)
    assert (call.turns[0].text, call.turns[0].start_s, call.turns[0].end_s) == ("Good day.", 0.08, 0.64)


def test_azure_audio_analyzer_vtt() -> None:
    call = one("azure-content-understanding-doc-example/prebuilt-audioAnalyzer_transcript.vtt")
    assert len(call.turns) == 19
    assert speakers(call) == Counter({("Speaker 1", Role.UNKNOWN): 19})
    assert call.metadata["uniform_speaker_label"] is True
    assert call.turns[-1].text == "Goodbye at Contoso."


# Harper Valley (generic JSON)

HARPER = "harper-valley/transcript/0002f70f7386445b.json"


def test_harper_valley_human_transcript_roles_times_and_agent_name() -> None:
    call = one(HARPER)
    assert call.call_id == "0002f70f7386445b"
    assert len(call.turns) == 18
    assert speakers(call) == Counter({("agent", Role.AGENT): 7, ("caller", Role.CUSTOMER): 11})
    first = call.turns[0]
    assert (first.role, first.text) == (Role.AGENT, "hello this is harper valley national bank")
    assert (first.start_s, first.end_s) == (1.669, 4.339)
    assert call.turns[1].text == "my name is elizabeth"
    assert call.metadata["agent_name"] == "Elizabeth"
    assert "company" not in call.metadata


def test_harper_valley_asr_transcript_through_the_field_map() -> None:
    call = one(HARPER, field_map={"speaker": "speaker_role", "text": "transcript", "start_ms": "start_ms"})
    assert call.turns[0].text == "hello mr harper valley national bank"
    assert call.turns[1].text == "my name is alyssa"
    assert call.turns[0].end_s == 4.339


def test_harper_valley_all_calls_have_both_sides_and_an_agent_name() -> None:
    for rel in (f for f in REAL_FILES if f.startswith("harper-valley/transcript/")):
        call = one(rel)
        assert {t.role for t in call.turns} == {Role.AGENT, Role.CUSTOMER}, rel
        assert call.metadata.get("agent_name"), rel
        assert call.has_timestamps


# Dialogue datasets (generic JSON)


def test_abcd_chats() -> None:
    calls = read("abcd/abcd_sample.json")
    assert [c.call_id for c in calls] == ["3592", "9489", "3695"]
    assert [len(c.turns) for c in calls] == [29, 21, 22]
    first = calls[0]
    assert speakers(first) == Counter(
        {("agent", Role.AGENT): 12, ("customer", Role.CUSTOMER): 13, ("action", Role.OTHER): 4}
    )
    assert first.turns[1].text == "How can I help you?"
    assert first.turns[9].text == "Username: cminh730"  # the original text, not the delexed "<username>"


def test_taskmaster_dialogues() -> None:
    call = one("taskmaster/TM-1-2019/sample.json")
    assert call.call_id == "dlg-00055f4e-4a46-48bf-8d99-4e477663eb23"
    assert len(call.turns) == 20
    assert {t.speaker for t in call.turns} == {"USER", "ASSISTANT"}
    assert call.turns[0].text == "Hi, I'm looking to book a table for Korean food."
    calls = read("taskmaster/TM-4-2024/data_07.json")
    assert len(calls) == 210
    assert len({c.call_id for c in calls}) == 210
    assert all({t.speaker for t in c.turns} <= {"user", "assistant"} for c in calls)
