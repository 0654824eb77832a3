"""Format readers on small fixtures written for these tests: detection, turns, roles, times, metadata, errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.models import InputError, Role, Transcript
from analyzer.readers import READERS, ReadOptions, read_file
from analyzer.readers import (
    aws_contact_lens,
    aws_pca,
    aws_transcribe,
    azure_batch,
    azure_conversation,
    deepgram,
    generic_json,
    json_calls,
    subtitles,
    whisper,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "readers"


def calls(name: str, **options) -> list[Transcript]:
    results = read_file(FIXTURES / name, ReadOptions(**options))
    errors = [r for r in results if isinstance(r, InputError)]
    assert not errors, errors
    return results  # type: ignore[return-value]


def one(name: str, **options) -> Transcript:
    found = calls(name, **options)
    assert len(found) == 1
    return found[0]


def table(call: Transcript) -> list[tuple[str, Role, str]]:
    return [(t.speaker, t.role, t.text) for t in call.turns]


def detected_by(path: Path):
    text = path.read_text(encoding="utf-8")
    return next(r for r in READERS if r.detect(path, text))


@pytest.mark.parametrize(
    "name, reader",
    [
        ("aws_transcribe_speakers.json", aws_transcribe),
        ("aws_transcribe_channels_legacy.json", aws_transcribe),
        ("contact_lens_voice.json", aws_contact_lens),
        ("contact_lens_chat.json", aws_contact_lens),
        ("call_analytics.json", aws_contact_lens),
        ("pca_result.json", aws_pca),
        ("deepgram_utterances.json", deepgram),
        ("deepgram_words.json", deepgram),
        ("whisper.json", whisper),
        ("whisperx.json", whisper),
        ("azure_conversation.json", azure_conversation),
        ("azure_items_roles.json", azure_conversation),
        ("azure_batch_stereo.json", azure_batch),
        ("azure_batch_diarized.json", azure_batch),
        ("call_voices.vtt", subtitles),
        ("call.srt", subtitles),
        ("harper_layout/transcript/call0001.json", generic_json),
        ("dialogues_pairs.json", generic_json),
        ("object_with_messages.json", generic_json),
        ("flat_export.json", generic_json),
        ("callqa_own.json", json_calls),
    ],
)
def test_detected_from_content(name: str, reader) -> None:
    assert detected_by(FIXTURES / name) is reader


def test_detection_does_not_rely_on_the_extension(tmp_path: Path) -> None:
    for name in ("deepgram_utterances.json", "call_voices.vtt", "call.srt"):
        copy = tmp_path / (Path(name).stem + ".txt")
        copy.write_bytes((FIXTURES / name).read_bytes())
        assert detected_by(copy) is detected_by(FIXTURES / name)


def test_aws_transcribe_joins_words_and_punctuation_by_speaker() -> None:
    call = one("aws_transcribe_speakers.json")
    assert table(call) == [
        ("spk_0", Role.UNKNOWN, "Thank you for calling Acme Bank, this is Dana."),
        ("spk_1", Role.UNKNOWN, "Hi, my card was ***."),
        ("spk_0", Role.UNKNOWN, "Sorry to hear that."),
    ]
    assert (call.turns[0].start_s, call.turns[0].end_s) == (0.5, 2.7)
    assert call.metadata["job_name"] == "acme-call-0001"
    assert call.metadata["language"] == "en"


def test_aws_transcribe_legacy_channel_layout_looks_up_each_word() -> None:
    call = one("aws_transcribe_channels_legacy.json")
    assert [(t.speaker, t.text) for t in call.turns] == [
        ("ch_0", "Thank you for calling Acme Bank, this is Dana."),
        ("ch_1", "Hi, my card was ***."),
        ("ch_0", "Sorry to hear that."),
    ]
    assert call.metadata["speaker_source"] == "channel"


def test_contact_lens_voice_roles_and_millis() -> None:
    call = one("contact_lens_voice.json")
    assert [t.role for t in call.turns] == [Role.AGENT, Role.CUSTOMER, Role.AGENT]
    assert (call.turns[1].start_s, call.turns[1].end_s) == (3.01, 5.9)
    assert call.metadata["contact_id"] == "c0ffee00-0000-4000-8000-000000000001"
    assert call.metadata["language"] == "en"


def test_contact_lens_chat_system_messages_are_other_and_events_are_not_turns() -> None:
    call = one("contact_lens_chat.json")
    assert table(call) == [
        ("SYSTEM", Role.OTHER, "Thanks for contacting Acme Support. An agent will be with you shortly."),
        ("AGENT", Role.AGENT, "Hello Ola, this is Priya from Acme Support. How can I help?"),
        ("CUSTOMER", Role.CUSTOMER, "My parcel never arrived."),
    ]
    # Roles come from Participants[] when a message does not repeat its ParticipantRole.
    assert [t.start_s for t in call.turns] == [1.5, 22.25, 40.0]
    assert call.metadata["agent_name"] == "Priya"
    assert [e["event"] for e in call.metadata["chat_events"]] == ["participant.joined", "participant.joined", "chat.ended"]


def test_call_analytics_participant_role_on_each_item() -> None:
    call = one("call_analytics.json")
    assert [t.role for t in call.turns] == [Role.AGENT, Role.CUSTOMER]
    assert call.metadata["language"] == "it"
    assert call.metadata["job_name"] == "tca-job-17"


def test_pca_keeps_declared_labels_in_metadata_but_leaves_roles_unknown() -> None:
    call = one("pca_result.json")
    assert [(t.speaker, t.role) for t in call.turns] == [
        ("spk_1", Role.UNKNOWN),
        ("spk_0", Role.UNKNOWN),
        ("spk_1", Role.UNKNOWN),
    ]
    assert call.metadata["speaker_labels"] == {"spk_0": "Agent", "spk_1": "Customer"}
    assert call.metadata["declared_roles"] == {"spk_0": "agent", "spk_1": "customer"}
    # DisplayText (edited in the UI) wins; an empty one falls back to OriginalText.
    assert call.turns[1].text == "Hi, my laptop won't start."
    assert call.turns[2].text == "Let me check that for you."
    assert call.metadata["agent_id"] == "agent-042"
    assert call.metadata["date"] == "2024-02-01"


def test_deepgram_utterances() -> None:
    call = one("deepgram_utterances.json")
    assert [(t.speaker, t.role) for t in call.turns] == [
        ("speaker_0", Role.UNKNOWN),
        ("speaker_1", Role.UNKNOWN),
        ("speaker_0", Role.UNKNOWN),
    ]
    assert call.turns[1].text == "Hi Jo, I want to cancel my contract."
    assert (call.turns[2].start_s, call.turns[2].end_s) == (6.4, 8.2)
    assert call.metadata["turn_source"] == "utterances"


def test_deepgram_words_split_at_speaker_changes() -> None:
    call = one("deepgram_words.json")
    assert [(t.speaker, t.text) for t in call.turns] == [
        ("speaker_0", "Hello, Acme. How can i help?"),
        ("speaker_1", "Hi, I need help."),
    ]
    assert (call.turns[1].start_s, call.turns[1].end_s) == (2.0, 2.9)


def test_azure_batch_stereo_channels_are_the_two_sides_in_time_order() -> None:
    call = one("azure_batch_stereo.json")
    # Phrases are listed out of time order and a silence phrase recognised nothing.
    assert table(call) == [
        ("channel_0", Role.UNKNOWN, "Good morning, Acme Bank, this is Dana. How can I help?"),
        ("channel_1", Role.UNKNOWN, "Hi, my card was declined."),
        ("channel_0", Role.UNKNOWN, "I'm sorry to hear that."),
    ]
    assert (call.turns[0].start_s, call.turns[0].end_s) == (0.5, 4.2)
    assert call.metadata["audio_duration_s"] == 21.3
    assert call.metadata["source_format"] == "azure_batch"


def test_azure_batch_diarized_mono_with_iso_durations_and_locale() -> None:
    call = one("azure_batch_diarized.json")
    assert [(t.speaker, t.text) for t in call.turns] == [
        ("speaker_1", "Buongiorno, Banca Aurora."),
        ("speaker_2", "Salve, vorrei bloccare la carta."),
    ]
    assert (call.turns[1].start_s, call.turns[1].end_s) == (2.5, 64.0)
    assert call.metadata["language"] == "it"


def test_azure_batch_roles_are_inferred_by_check(tmp_path: Path) -> None:
    from analyzer.engine import check_call
    from analyzer.runner import Checker

    checker = Checker.from_rules(Path(__file__).resolve().parents[1] / "rules" / "en")
    result = check_call(one("azure_batch_stereo.json"), checker.runtime("en"))
    assert [t.role for t in result.transcript.turns] == [Role.AGENT, Role.CUSTOMER, Role.AGENT]
    assert result.transcript.role_source == "inference"


def test_whisper_without_speakers() -> None:
    call = one("whisper.json")
    assert table(call) == [
        ("speaker", Role.UNKNOWN, "Hello, Acme Travel."),
        ("speaker", Role.UNKNOWN, "How can I help?"),
    ]
    assert call.metadata["language"] == "en"


def test_whisperx_speakers_kept() -> None:
    call = one("whisperx.json")
    assert [t.speaker for t in call.turns] == ["SPEAKER_01", "SPEAKER_00"]
    assert call.turns[0].start_s == 0.03


def test_azure_nested_conversation_prefers_display_text() -> None:
    call = one("azure_conversation.json")
    assert table(call) == [
        ("Agent", Role.AGENT, "Hello, Acme Coffee support, Rene speaking."),
        ("Customer", Role.CUSTOMER, "my machine will not connect to wifi"),
    ]
    assert call.metadata["conversation_id"] == "conv-1"


def test_azure_roles_timings_and_several_conversations() -> None:
    first, second = calls("azure_items_roles.json")
    assert (first.call_id, second.call_id) == ("c-7", "c-8")
    assert [t.role for t in first.turns] == [Role.AGENT, Role.CUSTOMER]
    assert (first.turns[0].start_s, first.turns[0].end_s) == (0.1, 2.5)
    assert second.turns[0].role is Role.UNKNOWN  # "generic" states no side
    assert first.metadata["language"] == "bg"


def test_webvtt_voices_entities_and_tags() -> None:
    call = one("call_voices.vtt")
    assert table(call) == [
        ("Agent", Role.AGENT, "Good afternoon, Acme Insurance, this is Tom."),
        ("Customer", Role.CUSTOMER, "Hi Tom, I need to update my address."),
        ("Agent", Role.AGENT, "Sure, I can help with that."),
        ("Customer", Role.CUSTOMER, "Thanks & sorry, it's urgent."),
        ("", Role.UNKNOWN, "And could you confirm your date of birth?"),
    ]
    assert (call.turns[0].start_s, call.turns[0].end_s) == (0.5, 3.0)
    assert call.turns[1].source_line == 12
    assert "uniform_speaker_label" not in call.metadata


def test_webvtt_name_prefixes() -> None:
    call = one("call_prefixes.vtt")
    assert table(call) == [
        ("Operator", Role.AGENT, "Hello, Acme Tours, how may I help you?"),
        ("Mrs Lee", Role.UNKNOWN, "I'd like to book a trip for two people."),
    ]
    assert call.turns[0].start_s == 1.0


def test_webvtt_uniform_label_is_read_as_is_and_flagged() -> None:
    call = one("uniform_label.vtt")
    assert [t.role for t in call.turns] == [Role.AGENT] * 3
    assert call.metadata["uniform_speaker_label"] is True


def test_srt_prefixes_and_continuations() -> None:
    call = one("call.srt")
    assert table(call) == [
        ("Agent", Role.AGENT, "Buongiorno, Acme Italia, sono Giulia."),
        ("Customer", Role.CUSTOMER, "Buongiorno, vorrei disdire il contratto."),
        ("", Role.UNKNOWN, "Capisco."),
        ("Customer", Role.CUSTOMER, "Perché il servizio"),
        ("Customer", Role.CUSTOMER, "non funziona da una settimana."),
    ]
    assert (call.turns[1].start_s, call.turns[1].end_s) == (3.6, 5.9)


def test_generic_harper_layout_defaults_to_the_human_transcript() -> None:
    call = one("harper_layout/transcript/call0001.json")
    assert table(call) == [
        ("agent", Role.AGENT, "hello this is acme bank my name is rosa"),
        ("agent", Role.AGENT, "how can i help you"),
        ("caller", Role.CUSTOMER, "hi i need to reset my password"),
    ]
    assert (call.turns[0].start_s, call.turns[0].end_s) == (1.2, 3.7)
    assert call.call_id == "call0001"
    assert call.metadata["agent_name"] == "Rosa"
    assert call.metadata["text_field"] == "human_transcript"
    assert "company" not in call.metadata


def test_generic_field_map_selects_the_asr_text() -> None:
    call = one(
        "harper_layout/transcript/call0001.json",
        field_map={"speaker": "speaker_role", "text": "transcript", "start_ms": "start_ms"},
    )
    assert call.turns[0].text == "hello this is acne bank my name is rosa"
    assert call.turns[-1].text == "uh"  # the ASR heard something where the person wrote nothing
    assert (call.turns[-1].start_s, call.turns[-1].end_s) == (8.2, 8.5)


def test_generic_pairs_prefer_original_over_delexicalised_and_actions_are_other() -> None:
    first, second = calls("dialogues_pairs.json")
    assert (first.call_id, second.call_id) == ("101", "102")
    assert table(first)[1] == ("customer", Role.CUSTOMER, "I want to return shoes I bought, order 5521.")
    assert table(first)[2] == ("action", Role.OTHER, "Order 5521 pulled up.")
    assert "delexed" not in first.metadata and "delexed" not in second.metadata


def test_generic_object_with_one_turn_list() -> None:
    call = one("object_with_messages.json")
    assert call.call_id == "chat-77"
    assert [t.role for t in call.turns] == [Role.AGENT, Role.CUSTOMER]
    assert call.metadata["agent_id"] == "ag-3"
    assert call.metadata["language"] == "ro"


def test_generic_field_map_groups_turns_by_call_id() -> None:
    found = calls(
        "flat_export.json",
        field_map={"call_id": "call_id", "speaker": "who", "text": "said", "start": "t0", "end": "t1"},
    )
    assert [c.call_id for c in found] == ["A-1", "A-2"]
    assert table(found[0]) == [
        ("AGENT", Role.AGENT, "Good morning, Acme."),
        ("CLIENT", Role.CUSTOMER, "Morning, I have a billing question."),
    ]
    assert (found[0].turns[1].start_s, found[0].turns[1].end_s) == (4.0, 7.0)


def test_generic_without_map_says_what_to_map() -> None:
    [error] = read_file(FIXTURES / "flat_export.json")
    assert isinstance(error, InputError)
    assert "no text field among call_id, who, said, t0, t1" in error.message
    assert "--map text=FIELD" in error.message


def test_generic_map_to_a_missing_field_names_the_fields() -> None:
    [error] = read_file(FIXTURES / "object_with_messages.json", ReadOptions(field_map={"text": "transcript"}))
    assert isinstance(error, InputError)
    assert "--map text=transcript: no field 'transcript'" in error.message
    assert "author, body, start, end" in error.message


def test_generic_unknown_map_target_lists_the_targets() -> None:
    [error] = read_file(FIXTURES / "object_with_messages.json", ReadOptions(field_map={"words": "body"}))
    assert isinstance(error, InputError)
    assert "--map words=...: unknown target" in error.message and "duration_ms" in error.message


def test_callqa_own_json_still_goes_to_json_calls() -> None:
    call = one("callqa_own.json")
    assert call.call_id == "own-1"
    assert "source_format" not in call.metadata


def _dump(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


_ITEM = {"type": "pronunciation", "start_time": "0.1", "end_time": "0.2", "speaker_label": "spk_0"}

MALFORMED = {
    "aws_transcribe": (
        {"jobName": "j", "results": {"transcripts": [{"transcript": "hi"}], "items": [_ITEM]}},
        "results.items[0].alternatives: key is missing",
    ),
    "aws_transcribe_times": (
        {"results": {"transcripts": [], "items": [{**_ITEM, "start_time": "soon", "alternatives": [{"content": "hi"}]}]}},
        "results.items[0].start_time: expected a number, got 'soon'",
    ),
    "aws_contact_lens": (
        {"Participants": [], "Transcript": [{"ParticipantId": "AGENT", "BeginOffsetMillis": 0}]},
        "Transcript[0].Content: missing or not a string",
    ),
    "aws_contact_lens_millis": (
        {"Transcript": [{"ParticipantRole": "AGENT", "Content": "Hello", "BeginOffsetMillis": "zero"}]},
        "Transcript[0].BeginOffsetMillis: expected a number",
    ),
    "aws_pca": (
        {"ConversationAnalytics": {}, "SpeechSegments": [{"SegmentStartTime": 0.1, "DisplayText": "Hello"}]},
        "SpeechSegments[0].SegmentSpeaker: missing",
    ),
    "aws_pca_not_a_list": (
        {"ConversationAnalytics": {}, "SpeechSegments": {"spk_0": "Hello"}},
        "SpeechSegments: expected a list, got dict",
    ),
    "deepgram": (
        {"results": {"utterances": [{"start": 0.0, "end": 1.0, "speaker": 0}]}},
        "results.utterances[0].transcript: missing or not a string",
    ),
    "deepgram_words": (
        {"results": {"channels": [{"alternatives": [{"words": [{"word": "hi", "start": 0.1, "end": 0.2}]}]}]}},
        "results.channels[0].alternatives[0].words[0].speaker: missing; request the transcript with diarize=true",
    ),
    "whisper": (
        {"segments": [{"start": 0.0, "end": 1.0, "text": "Hello"}, {"start": "later", "end": 2.0, "text": "Hi"}]},
        "segments[1].start: expected a number, got 'later'",
    ),
    "azure_conversation": (
        {"analysisInput": {"conversations": [{"id": "c", "conversationItems": [{"participantId": "Agent"}]}]}},
        "analysisInput.conversations[0].conversationItems[0]: no 'text' (or itn/lexical) string",
    ),
    "azure_conversation_speaker": (
        {"conversationItems": [{"text": "Hello"}]},
        "conversationItems[0].participantId: missing",
    ),
    "azure_batch": (
        {"recognizedPhrases": [{"recognitionStatus": "Success", "channel": 0, "offsetInTicks": 0, "durationInTicks": 1}]},
        "recognizedPhrases[0].nBest: key is missing",
    ),
    "azure_batch_offset": (
        {"recognizedPhrases": [{"channel": 0, "offset": "5 seconds", "nBest": [{"display": "Hello"}]}]},
        "recognizedPhrases[0].offset: '5 seconds' is not an ISO 8601 duration",
    ),
    "generic_json": (
        [{"speaker": "agent", "text": "Hello"}, {"speaker": "customer", "text": ["not", "a", "string"]}],
        "[1].text: expected a string, got list",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_json_of_each_format_becomes_an_input_error(tmp_path: Path, case: str) -> None:
    content, message = MALFORMED[case]
    path = _dump(tmp_path, f"{case}.json", content)
    results = read_file(path)
    assert len(results) == 1 and isinstance(results[0], InputError), results
    assert message in results[0].message
    assert str(path) == results[0].file


@pytest.mark.parametrize(
    "name, content, line, message",
    [
        ("broken.vtt", "WEBVTT\n\n00:00.000 --> \n<v Agent>Hello\n", 3, "bad cue timing line '00:00.000 -->'"),
        (
            "broken_time.srt",
            "1\n00:00:01,000 --> 00:00:02,000\nAgent: Hello\n\n2\n00:00:03,000 --> 00:00:0x\nHi\n",
            6,
            "write it as 00:00:01,000 --> 00:00:02,500",
        ),
        (
            "broken.srt",
            "1\n00:00:01,000 --> 00:00:02,000\nAgent: Hello\n\n2\n00:00:03,000 -> 00:00:04,000\nHi\n",
            5,
            "invalid SRT: expected numbered cues",
        ),
        ("empty.vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\n<b></b>\n", None, "no cue text found"),
    ],
)
def test_malformed_subtitles_become_input_errors(
    tmp_path: Path, name: str, content: str, line: int | None, message: str
) -> None:
    [error] = read_file(_dump(tmp_path, name, content))
    assert isinstance(error, InputError)
    assert message in error.message
    assert error.line == line


def test_broken_json_still_gets_a_located_syntax_error(tmp_path: Path) -> None:
    path = _dump(tmp_path, "cut.json", '{"results": {"items": [\n  {"type": "pronunciation",\n')
    [error] = read_file(path)
    assert isinstance(error, InputError)
    assert error.message.startswith("invalid JSON")
    assert error.line == 3


def test_broken_harper_metadata_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "transcript").mkdir()
    (tmp_path / "metadata").mkdir()
    (tmp_path / "transcript" / "c1.json").write_text('[{"speaker_role": "agent", "human_transcript": "hi"}]')
    (tmp_path / "metadata" / "c1.json").write_text("{not json")
    [error] = read_file(tmp_path / "transcript" / "c1.json")
    assert isinstance(error, InputError)
    assert "metadata file" in error.message and "c1.json" in error.message


# Encodings: files are generated here rather than committed as binary fixtures.

RUSSIAN = "Оператор: Здравствуйте!\nКлиент: Привет.\n"
RUSSIAN_LONG = (
    "Оператор: Здравствуйте, компания Ромашка, меня зовут Анна. Чем могу помочь?\n"
    "Клиент: Добрый день, у меня вопрос по счёту.\n"
)
BULGARIAN = "Агент: Добър ден.\nКлиент: Здравейте.\n"
ENGLISH = "Agent: Thank you for calling Acme, this is Dana.\nCustomer: Hi, I lost my card.\n"


@pytest.mark.parametrize(
    "text, encoding, bom, expected_encoding",
    [
        (RUSSIAN, "cp1251", b"", "cp1251"),
        (RUSSIAN_LONG, "cp1251", b"", "cp1251"),
        (BULGARIAN, "cp1251", b"", "cp1251"),
        (RUSSIAN, "koi8-r", b"", "koi8_r"),
        (ENGLISH, "utf-16-le", b"\xff\xfe", "utf-16"),
        (ENGLISH, "utf-16-be", b"\xfe\xff", "utf-16"),
        (ENGLISH, "utf-16-le", b"", "utf-16-le"),
        (ENGLISH, "utf-16-be", b"", "utf-16-be"),
        (RUSSIAN, "utf-16-le", b"", "utf-16-le"),
        (BULGARIAN, "utf-16-be", b"", "utf-16-be"),
        (RUSSIAN, "utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
    ],
)
def test_transcript_encodings_decode_without_options(
    tmp_path: Path, text: str, encoding: str, bom: bytes, expected_encoding: str
) -> None:
    path = tmp_path / "call.txt"
    path.write_bytes(bom + text.replace("\n", "\r\n").encode(encoding))
    call = one_file(path)
    expected = [line.split(": ", 1) for line in text.splitlines()]
    assert [[t.speaker, t.text] for t in call.turns] == expected
    assert call.encoding == expected_encoding


def test_cyrillic_guard_leaves_other_scripts_alone() -> None:
    from analyzer.readers.encoding import decode_bytes

    korean = "상담원: 감사합니다. 고객님의 계좌 잔액을 확인해 드리겠습니다.\n고객: 알겠습니다.\n"
    assert decode_bytes(korean.encode("cp949"))[0] == korean
    german = "Agent: Guten Tag, wie kann ich Ihnen helfen? Grüße aus München.\nKunde: Schöne Grüße.\n"
    assert decode_bytes(german.encode("cp1252"))[0] == german


def one_file(path: Path) -> Transcript:
    [call] = read_file(path)
    assert isinstance(call, Transcript), call
    return call


def test_text_timestamps_before_or_after_the_speaker_label(tmp_path: Path) -> None:
    path = tmp_path / "call.txt"
    path.write_text(
        "[00:00] Agent: Good morning, Acme Bank.\n"
        "Customer: [00:05] Hi, [laughs] it's about my card.\n"
        "Agent: [01:02 - 01:09] Thank you for waiting.\n"
        "Customer: [sighs] No timestamp here.\n",
        encoding="utf-8",
    )
    call = one_file(path)
    assert [(t.speaker, t.start_s, t.end_s) for t in call.turns] == [
        ("Agent", 0.0, None), ("Customer", 5.0, None), ("Agent", 62.0, 69.0), ("Customer", None, None),
    ]
    assert [t.text for t in call.turns] == [
        "Good morning, Acme Bank.", "Hi, [laughs] it's about my card.", "Thank you for waiting.",
        "[sighs] No timestamp here.",
    ]
