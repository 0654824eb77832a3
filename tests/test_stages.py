"""Segmentation: greeting, holds and transfers (with and without timestamps), upset customers, closing."""
from __future__ import annotations

import pytest

from analyzer.engine import PackRuntime, check_call
from analyzer.evaluation import fold_findings
from analyzer.pack import load_pack
from support import RULES, make_call

OPEN = ["Agent: Good morning, Acme Bank, Anna speaking, how can I help you?",
        "Customer: I have a question about my card payment from last week."]
CLOSE = ["Agent: Is there anything else I can help you with?", "Customer: No, that's all.",
         "Agent: Thank you for calling Acme Bank, goodbye."]


def run(runtime, *lines):
    result = check_call(make_call(*lines), runtime)
    return result, {n: f for n, f in fold_findings(result.findings).items()}


def test_greeting_split_over_asr_segments(en_runtime):
    result, f = run(en_runtime, "Agent: hello this is acme bank", "Agent: my name is mary",
                    "Agent: how can i help", "Customer: hi i lost my card", *CLOSE)
    greeting = [s for s in result.stages if s.stage == "greeting"][0]
    assert (greeting.start_turn, greeting.end_turn) == (0, 2)
    for name in ("greeting.salutation", "greeting.agent-name", "greeting.offer-help"):
        assert f[name].status.value == "pass", name


@pytest.mark.parametrize("answer, opening_end", [
    ("Customer: Yes, speaking. Oh good, I was waiting for your call.", 2),
    # A long answer states the matter: the opening ends before it.
    ("Customer: Yes, speaking, and I have to say the engineer never turned up on Tuesday and nobody rang.", 0),
])
def test_the_answer_to_an_agent_who_called_the_customer_does_not_end_the_opening(en_runtime, answer, opening_end):
    result, f = run(en_runtime, "Agent: Good afternoon, am I speaking with Mr Lee?", answer,
                    "Agent: This is Anna from Acme Bank, I'm calling to help you with your card application.",
                    "Customer: Great, so is it approved then?", *CLOSE)
    assert result.stages[0].stage == "greeting" and result.stages[0].end_turn == opening_end
    # Either way the offer counts: it is in the opening, or in the agent's first answer after it.
    assert f["greeting.offer-help"].status.value == "pass"


def test_greeting_split_into_more_segments_than_the_window_counts(en_runtime):
    # Four segments of one utterance are one agent turn for "the agent's first three turns".
    result, f = run(en_runtime, "Agent: Good day.", "Agent: Welcome to Acme Bank.", "Agent: My name is John Doe.",
                    "Agent: How can I help you today?", "Customer: hi i lost my card", *CLOSE)
    greeting = [s for s in result.stages if s.stage == "greeting"][0]
    assert (greeting.start_turn, greeting.end_turn) == (0, 3)
    assert f["greeting.offer-help"].status.value == "pass"


@pytest.mark.parametrize("opening, verdict", [
    # Cut into mid-sentence, the agent finishes the opening after the caller's remark.
    ("Agent: Good morning, Acme Bank, Anna speak\u2014", "pass"),
    ("Agent: Good morning, Acme Bank, my name is Anna and...", "pass"),
    # A finished opening without the offer: help offered in the agent's first answer after it still
    # counts (window `after: 1`), as the labelled calls count it.
    ("Agent: Good morning, Acme Bank, Anna speaking.", "pass"),
])
def test_an_opening_the_caller_cut_into_goes_on_in_the_next_agent_turn(en_runtime, opening, verdict):
    result, f = run(en_runtime, opening,
                    "Customer: Oh sorry, is that the branch on Mill Lane? I wasn't sure I had the right number.",
                    "Agent: It is, yes. How can I help you this morning?",
                    "Customer: I need to change my address.", "Agent: Of course, I can do that now.", *CLOSE)
    assert f["greeting.offer-help"].status.value == verdict


@pytest.mark.parametrize("reply, end_turn", [
    # The caller only greets back: the opening goes on to the agent's next turn.
    ("Customer: hello yes good morning", 3),
    ("Customer: Oh, hello, good morning, hi.", 3),
    # A salutation with the request ends it.
    ("Customer: hello my card has been blocked", 1),
    ("Customer: good morning I need my balance please", 1),
])
def test_a_caller_who_only_greets_back_does_not_end_the_opening(en_runtime, reply, end_turn):
    result, _ = run(en_runtime, "Agent: good morning", "Agent: acme bank anna speaking", reply,
                    "Agent: how can I help you", "Customer: I need to change my address.",
                    "Agent: Of course, I can do that now.", *CLOSE)
    greeting = [s for s in result.stages if s.stage == "greeting"][0]
    assert greeting.end_turn == end_turn


def test_a_window_of_turns_counts_consecutive_segments_once():
    from analyzer.context import SEGMENTS_PER_TURN, first_runs

    agent_turns = [0, 1, 2, 4, 6, 7, 9, 11]
    assert first_runs(agent_turns, 2) == [0, 1, 2, 4]
    assert first_runs(agent_turns, 2, from_end=True) == [9, 11]
    assert first_runs(agent_turns, 3, from_end=True) == [6, 7, 9, 11]
    # A call that is one long run (diarization failed) still gives a bounded window.
    assert len(first_runs(list(range(50)), 2)) == 2 * SEGMENTS_PER_TURN


def test_hold_measured_from_timestamps_and_limit(en_runtime):
    result, f = run(en_runtime,
                    "[00:00] Agent: Good morning, Acme Bank, Anna speaking, how can I help you?",
                    "[00:05] Customer: I'd like to know why my transfer failed yesterday.",
                    "[00:12] Agent: May I put you on hold while I check that?",
                    "[00:15] Customer: Sure.",
                    "[02:16] Agent: Thank you for holding, the transfer was blocked by a limit.",
                    "[02:25] Customer: I see, thanks.",
                    "[02:28] Agent: Is there anything else I can help you with?",
                    "[02:31] Customer: No.",
                    "[02:33] Agent: Thank you for calling Acme Bank, goodbye.")
    holds = [s for s in result.stages if s.stage == "transfer"]
    assert len(holds) == 1
    assert 115 <= holds[0].hold_s <= 125
    assert f["transfer.hold-duration"].status.value == "fail"
    assert f["transfer.permission"].status.value == "pass"
    assert f["transfer.thanks-for-waiting"].status.value == "pass"


def test_the_caller_checking_the_line_during_a_hold_does_not_end_it(en_runtime):
    result, f = run(en_runtime,
                    "[00:00] Agent: Good morning, Acme Bank, Anna speaking, how can I help you?",
                    "[00:05] Customer: I've been charged twice for the same bill.",
                    "[00:12] Agent: You're right, that's a double payment. One moment, please.",
                    "[00:58] Customer: Hello? Are you still there?",
                    "[01:50] Agent: Right, I've checked, the refund is on its way.",
                    "[01:58] Customer: Okay.", *CLOSE)
    holds = [s for s in result.stages if s.stage == "transfer"]
    assert len(holds) == 1 and 90 <= holds[0].hold_s <= 100 and holds[0].return_turn == 4
    assert f["transfer.hold-duration"].status.value == "fail"


@pytest.mark.parametrize("timestamps", [True, False])
def test_a_permission_asked_just_before_the_announcement_opens_the_hold(en_runtime, timestamps):
    # The question, the caller's yes, then the announcement: the question belongs to the hold.
    lines = ["[00:00] Agent: Good morning, Acme Bank, Anna speaking, how can I help you?",
             "[00:05] Customer: There's a payment on my card I don't recognise.",
             "[00:12] Agent: I'd like to look at the merchant's history. Would you mind if I check that with a colleague?",
             "[00:18] Customer: Sure, go ahead.",
             "[00:20] Agent: Great, please stay on the line.",
             "[01:05] Agent: Thank you for waiting, the payment is a subscription.",
             "[01:12] Customer: I see."]
    if not timestamps:
        lines = [line.split("] ", 1)[1] for line in lines]
    result, f = run(en_runtime, *lines, *CLOSE)
    holds = [s for s in result.stages if s.stage == "transfer"]
    assert len(holds) == 1 and holds[0].start_turn == 2 and holds[0].trigger_turn == 4
    assert f["transfer.permission"].status.value == "pass"


def test_short_one_moment_is_not_a_hold(en_runtime):
    result, f = run(en_runtime,
                    "[00:00] Agent: Good morning, Acme Bank, Anna speaking, how can I help you?",
                    "[00:05] Customer: Can you confirm my new address is saved?",
                    "[00:10] Agent: One moment.",
                    "[00:14] Agent: Yes, it is saved.",
                    "[00:18] Customer: Great.",
                    "[00:20] Agent: Is there anything else I can help you with?",
                    "[00:23] Customer: No.",
                    "[00:25] Agent: Thank you for calling, goodbye.")
    assert not [s for s in result.stages if s.stage == "transfer"]
    assert f["transfer.permission"].status.value == "not_applicable"


def test_unannounced_hold_detected_and_fails_permission(en_runtime):
    result, f = run(en_runtime,
                    "[00:00] Agent: Good morning, Acme Bank, Anna speaking, how can I help you?",
                    "[00:05] Customer: My card was declined at the shop.",
                    "[00:12] Agent: Let me look at that.",
                    "[00:58] Agent: Thanks for waiting, I can see the decline.",
                    *CLOSE)
    holds = [s for s in result.stages if s.stage == "transfer"]
    assert len(holds) == 1 and holds[0].hold_s >= 40
    assert f["transfer.permission"].status.value == "fail"


def test_announced_hold_without_timestamps_opens_episode(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: Please hold.", "Customer: Okay.",
                    "Agent: Thanks for holding, it's fixed.", *CLOSE)
    assert [s.kind for s in result.stages if s.stage == "transfer"] == ["hold"]
    assert f["transfer.permission"].status.value == "fail"
    assert f["transfer.hold-duration"].status.value == "not_applicable"


def test_a_warm_transfer_ends_the_call_and_the_colleagues_turns_are_no_return(en_runtime):
    result, f = run(en_runtime, *OPEN,
                    "Agent: Our claims team can sort that. Would it be all right if I brought one of my colleagues "
                    "from that team into the call?",
                    "Customer: Yes please.", "Agent: Of course, you'll hear a short ring while I bring them in.",
                    "Colleague: Claims, Mark speaking.", "Agent: Hi Mark, I have Mrs Hale on the line about her claim.",
                    "Colleague: Thanks. Hello, Mrs Hale.", "Customer: Hello.",
                    "Agent: Mrs Hale, I'll leave you with Mark now. Take care.", "Customer: Thank you.",
                    "Colleague: Right, shall we start with the claim number?")
    assert result.end_reason == "transferred"
    assert f["closing.thanks"].status.value == "not_applicable"
    assert f["transfer.permission"].status.value == "pass"
    assert f["transfer.thanks-for-waiting"].status.value == "not_applicable"


def test_the_agent_briefing_a_colleague_is_no_return_and_no_turn_said_to_the_caller(en_runtime):
    result, f = run(en_runtime, *OPEN,
                    "Agent: Our disputes team approves refunds. Would you be happy for me to transfer you to them?",
                    "Customer: Fine.", "Agent: I'll give them the details first. Connecting you now.",
                    "Agent: Hi Aisha, it's Daniel. I've got Mr Reid on the call with me, he wants a refund, "
                    "I'll call him back Monday at ten at his home.",
                    "Customer: Hello.", "Agent: Mr Reid, Aisha has all the details now.", "Customer: Thanks.",
                    "Agent: You're welcome. I'll leave you in Aisha's hands now.")
    assert result.end_reason == "transferred"
    assert [s.return_turn for s in result.stages if s.stage == "transfer"] == [None]
    assert f["transfer.thanks-for-waiting"].status.value == "not_applicable"
    # What the agent told the colleague arranges nothing with the caller.
    assert f["answering.appointment"].status.value == "not_applicable"


@pytest.mark.parametrize("last, end_reason", [
    ("Agent: You're welcome, have a lovely day.", "transferred"),
    # A question is no parting word: the agent is still talking with the caller.
    ("Agent: Anything else before you go?", "completed"),
])
def test_a_parting_word_after_the_hand_off_is_no_closing(en_runtime, last, end_reason):
    result, f = run(en_runtime, *OPEN,
                    "Agent: Our business sales team can quote that. May I transfer you to my colleague Radu there?",
                    "Customer: Yes, sure.", "Agent: Thank you. I'm putting you through to him now.",
                    "Customer: Perfect, thanks.", last)
    assert result.end_reason == end_reason


def test_a_short_courtesy_after_leaving_the_caller_with_a_colleague_is_no_closing(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: May I transfer you to our cards team?", "Customer: Yes please.",
                    "Agent: Hi Mark, I've got a customer on the line about a card payment.",
                    "Agent: Mrs Hale, I'll leave you with Mark now.", "Customer: Thank you so much.",
                    "Agent: You're welcome, goodbye.")
    assert result.end_reason == "transferred"
    assert f["closing.farewell"].status.value == "not_applicable"


def test_an_answer_inside_an_opening_the_caller_broke_into_can_raise_a_situation(en_runtime):
    result, f = run(en_runtime, "Agent: Good morning, Brightline Travel, my name is Sophie, how—",
                    "Customer: Hi, sorry, is Martin there? Martin Cole?",
                    "Agent: I'm afraid Martin left the company in the summer.",
                    "Customer: Oh. Right. Can you move my booking then?", "Agent: Yes, that's done.", *CLOSE)
    assert [s.end_turn for s in result.stages if s.stage == "greeting"] == [2]
    assert f["answering.message-taking"].status.value == "fail"


def test_the_agent_opening_after_a_caller_who_spoke_first_raises_no_situation(en_runtime):
    result, f = run(en_runtime, "Customer: I'd like to order a mocha, please.",
                    "Agent: Okay, please confirm that your order is correct.",
                    "Customer: What sweeteners do you have?", "Agent: Vanilla, hazelnut and honey.", *CLOSE)
    assert f["answering.identity-check"].status.value == "not_applicable"


def test_leaving_the_caller_with_something_closes_a_call_with_no_transfer(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: Your card is on its way.", "Customer: Great.",
                    "Agent: Thank you for calling Acme Bank. I'll leave you with that, goodbye.")
    assert result.end_reason == "completed"
    assert f["closing.thanks"].status.value == "pass"


def test_transfer_at_end_is_handoff(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: May I transfer you to our cards team?", "Customer: Yes please.",
                    "Agent: Transferring you now.")
    assert result.end_reason == "transferred"
    assert f["closing.thanks"].status.value == "not_applicable"
    assert f["transfer.announce-target"].status.value == "pass"


@pytest.mark.parametrize("request_, permission", [
    # A calm request: the caller gave the permission the agent would have asked for.
    ("Customer: I spoke to Marcus last year. Could you put me through to him?", "pass"),
    # A demand in anger escalates: the agent still owes the question.
    ("Customer: This is useless. Put me through to a manager or I'm switching supplier today.", "fail"),
])
def test_a_transfer_the_caller_asked_for_needs_no_question(en_runtime, request_, permission):
    result, f = run(en_runtime, *OPEN, request_, "Agent: Of course. I'm transferring you to Marcus in loyalty now.")
    transfer = [s for s in result.stages if s.stage == "transfer"]
    assert [s.requested_turn is not None for s in transfer] == [permission == "pass"]
    assert f["transfer.permission"].status.value == permission
    assert result.end_reason == "transferred"


@pytest.mark.parametrize("left", [
    "Customer: Hello? Oh, it's ringing now.",
    "Customer: Hello? Is this music? Where are you putting me?",
])
def test_a_bare_one_moment_that_leaves_the_caller_on_the_line_is_an_unannounced_transfer(en_runtime, left):
    result, f = run(en_runtime, *OPEN, "Agent: One moment.", left)
    assert [(s.kind, s.return_turn) for s in result.stages if s.stage == "transfer"] == [("transfer", None)]
    assert result.end_reason == "transferred"
    assert f["transfer.permission"].status.value == "fail"
    assert f["transfer.announce-target"].status.value == "fail"
    assert f["closing.thanks"].status.value == "not_applicable"


def test_a_bare_one_moment_answered_with_a_hello_is_no_transfer(en_runtime):
    # Without music, ringing or a request to be put through, a dropped line is as likely.
    result, _ = run(en_runtime, *OPEN, "Agent: One moment.", "Customer: Hello? Hello?")
    assert [s for s in result.stages if s.stage == "transfer"] == []
    assert result.end_reason != "transferred"


@pytest.mark.parametrize("reply, held", [
    ("Customer: Oh, no, I can't, sorry, I've got to pick the kids up. Can someone ring me?", False),
    ("Customer: Oh, no, not at all, go ahead.", True),
])
def test_a_hold_asked_as_would_you_mind_and_turned_down(en_runtime, reply, held):
    result, f = run(en_runtime, *OPEN,
                    "Agent: I'd like to check with the refunds team. Would you mind if I put you on hold for a minute?",
                    reply, "Agent: Thank you. The refunds team will call you back on 07700 900841.", *CLOSE)
    assert bool([s for s in result.stages if s.stage == "transfer"]) is held
    assert f["transfer.permission"].status.value == ("pass" if held else "not_applicable")


def test_an_agreed_transfer_and_its_hand_off_a_few_turns_later_are_one_episode(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: Our cards team can raise that. May I transfer you to them?",
                    "Customer: Yes please.", "Agent: I'll add a note first so you needn't repeat yourself.",
                    "Customer: Thanks.", "Agent: Transferring you to the cards team now.")
    assert [s.kind for s in result.stages if s.stage == "transfer"] == ["transfer"]
    assert result.end_reason == "transferred"
    assert f["transfer.permission"].status.value == "pass"
    assert f["transfer.thanks-for-waiting"].status.value == "not_applicable"


@pytest.mark.parametrize("offer, answer", [
    # Negated in the same sentence: she cannot be put through.
    ("I'm afraid she's in clinic all morning, so I can't put you through. Can I take a message?", "Yes, please."),
    # Offered, and the caller says no.
    ("I could transfer you to the branch team, shall I?", "No, that's fine, I'll wait for the letter."),
    ("I could transfer you to the branch team, shall I?", "No-no, I'll wait for the letter."),
    # Planned on a condition in the world, not announced.
    ("If she's in with someone, I'll put you through to her secretary instead.", "Okay."),
    ("She may be free. If not, I'll transfer you to her deputy.", "Right."),
])
def test_transfers_that_do_not_happen_open_no_episode(en_runtime, offer, answer):
    result, f = run(en_runtime, *OPEN, f"Agent: {offer}", f"Customer: {answer}", *CLOSE)
    assert [s for s in result.stages if s.stage == "transfer"] == []
    assert f["transfer.permission"].status.value == "not_applicable"


@pytest.mark.parametrize("offer, answer", [
    ("I can't answer that. May I transfer you to our billing team?", "Sure."),  # the negation is a sentence before
    ("May I transfer you to the branch team?", "No problem."),  # "no problem" agrees
    # A condition inside the question that asks leave still announces.
    ("Would it be alright if I transferred you to our billing team?", "Sure."),
])
def test_transfers_that_do_happen_despite_a_no_nearby(en_runtime, offer, answer):
    result, f = run(en_runtime, *OPEN, f"Agent: {offer}", f"Customer: {answer}", "Agent: Transferring you now.")
    assert result.end_reason == "transferred"
    assert f["transfer.permission"].status.value == "pass"


@pytest.mark.parametrize("lang, greeting, offer, answer, back", [
    ("en", "Good morning, Acme Bank, Anna speaking, how can I help you?",
     "Do you mind if I pop you on hold for a couple of minutes while I check?", "No, that's fine, go ahead.",
     "Thanks for holding, I have the answer."),
    ("ru", "Добрый день, Акме Банк, меня зовут Анна, чем могу помочь?",
     "Вы не возражаете, если я поставлю вас на удержание на пару минут?", "Нет, конечно.",
     "Спасибо за ожидание, я всё выяснила."),
])
def test_a_no_to_do_you_mind_agrees_to_the_hold(lang, greeting, offer, answer, back):
    runtime = PackRuntime(load_pack(RULES / lang))
    result, f = run(runtime, f"Agent: {greeting}", "Customer: ...", f"Agent: {offer}", f"Customer: {answer}",
                    f"Agent: {back}")
    assert [s.kind for s in result.stages if s.stage == "transfer"] == ["hold"]
    assert f["transfer.permission"].status.value == "pass"
    assert f["transfer.thanks-for-waiting"].status.value == "pass"


def test_a_transfer_found_impossible_right_after_its_announcement_was_never_made(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: Would you like me to transfer you to our billing team?",
                    "Customer: Yes, please.",
                    "Agent: I'm afraid the billing team are all in a meeting until noon. Can I take a message?",
                    "Customer: Yes.", "Agent: What's your name and number?", "Customer: Jo Hart, 07700 900123.",
                    "Agent: So that's Jo Hart on 07700 900123.", "Customer: Yes.", *CLOSE)
    assert [s for s in result.stages if s.stage == "transfer"] == []
    assert f["transfer.permission"].status.value == "not_applicable"
    assert f["answering.message-taking"].status.value == "pass"


def test_a_transfer_on_the_callers_wish_is_announced(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: If you like, I'll transfer you to our billing team.",
                    "Customer: Yes please.", "Agent: Transferring you now.")
    assert result.end_reason == "transferred"
    assert f["transfer.announce-target"].status.value == "pass"


def test_a_no_that_answers_the_caller_does_not_negate_the_transfer_after_it(en_runtime):
    result, f = run(en_runtime, *OPEN, "Customer: Do I need to ring another number?",
                    "Agent: No, I'll transfer you to the claims team now, they can sort it.")
    assert result.end_reason == "transferred"
    assert f["transfer.permission"].status.value == "fail"  # transferred, but without asking


@pytest.mark.parametrize("lines, end_reason, not_applicable", [
    # "Is there anything else" opens a closing; the caller's answer sends the call elsewhere.
    (["Agent: Your card is on its way. Is there anything else?", "Customer: Yes, one more question, about my mortgage.",
      "Agent: The mortgage team can help with that. May I transfer you to them?", "Customer: Yes.",
      "Agent: Transferring you to the mortgage team now."], "transferred", "closing.thanks"),
    # What the agent says after the final hand-off is no return from a hold.
    (["Agent: May I transfer you to our claims team?", "Customer: Yes.", "Agent: I'm transferring you to claims now.",
      "Customer: Thanks.", "Agent: You're welcome, they'll be with you in a second."],
     "transferred", "transfer.thanks-for-waiting"),
    # The hand-off turn says goodbye too, and the caller thanks: the call was handed on, not closed.
    (["Agent: May I transfer you to our claims team?", "Customer: Yes, please.",
      "Agent: Transferring you to the claims team now. Have a lovely day!", "Customer: Thank you."],
     "transferred", "closing.farewell"),
    # The line drops after the closing began.
    (["Agent: Is there anything else I can help you with?", "Customer: Actually yes, about my savings account...",
      "Agent: Hello? Can you hear me?"], "cut_off", "closing.thanks"),
    # The caller's answer breaks off mid-word and the call ends: the agent never got to close it.
    (["Agent: Is there anything else I can help you with?", "Customer: No, that's it, I just hope it gets th—"],
     "cut_off", "closing.farewell"),
])
def test_how_a_call_ends_after_its_closing_or_a_hand_off_began(en_runtime, lines, end_reason, not_applicable):
    result, f = run(en_runtime, *OPEN, *lines)
    assert result.end_reason == end_reason
    assert f[not_applicable].status.value == "not_applicable"


@pytest.mark.parametrize("reply, end_reason", [
    # The caller's parting words, then the agent still talking into a line the caller left: finished.
    ("Customer: Yes, thanks, bye!", "completed"),
    # The caller starts something new and the line drops: cut off.
    ("Customer: Yes, actually, one more thing about my savings account...", "cut_off"),
    ("Customer: Wait, could you also tell me the balance of my savings account?", "cut_off"),
])
def test_a_line_check_after_the_callers_goodbye_ends_a_finished_call(en_runtime, reply, end_reason):
    result, f = run(en_runtime, *OPEN, "Agent: Is there anything else?", "Customer: No, that's all.",
                    "Agent: Thank you for calling Acme Bank, have a good weekend! If you pass by the branch, the car park is...",
                    reply, "Agent: Hello? Mrs Marchetti?")
    assert result.end_reason == end_reason
    if end_reason == "completed":
        assert f["closing.farewell"].status.value == "pass"


def test_cut_off_mid_sentence(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: Your new card will arrive on", )
    assert result.end_reason == "cut_off"
    assert f["closing.farewell"].status.value == "not_applicable"
    assert not result.missing_closing


def test_hello_called_twice_around_the_callers_name_is_a_dead_line(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: It depends on the terms, usually...", "Customer: Sorry, you're breaking...",
                    "Agent: Hello? Mrs Marchetti? Hello?")
    assert result.end_reason == "cut_off"
    assert f["closing.farewell"].status.value == "not_applicable"


@pytest.mark.parametrize("lines", [
    # The caller talks over the agent's unfinished sentence and leaves.
    ["Customer: Unbelievable. Forget it, I'll go to the ombudsman.", "Agent: If you'd like to make a...",
     "Customer: Don't bother."],
    # The caller's goodbye is cut into by nothing the agent finished.
    ["Customer: Right. I'm in a hurry, goodbye.", "Agent: Mr Novak..."],
    # An upset caller's last words, with the agent never closing.
    ["Agent: That's the procedure, madam. I don't do the readings.",
     "Customer: This is a disgrace, I've had enough of you all!"],
])
def test_a_caller_who_walks_out_before_the_agent_closes_cuts_the_call_off(en_runtime, lines):
    result, f = run(en_runtime, *OPEN, "Agent: Your bill is two hundred pounds.", *lines)
    assert result.end_reason == "cut_off"
    assert f["closing.thanks"].status.value == "not_applicable"


@pytest.mark.parametrize("lines", [
    # A calm caller leaving: the agent skipped the closing.
    ["Customer: Okay, that's all I needed.", "Agent: Right."],
    # An upset caller's last words after the agent's closing words: the agent did close.
    ["Agent: Thank you for calling, goodbye.", "Customer: This is a disgrace!"],
])
def test_a_call_the_agent_closed_or_a_calm_caller_left_is_completed(en_runtime, lines):
    result, f = run(en_runtime, *OPEN, "Agent: Your bill is two hundred pounds.", *lines)
    assert result.end_reason == "completed"


def test_an_opening_after_a_line_check_the_caller_answers(en_runtime):
    result, f = run(en_runtime, "Agent: Hello?", "Agent: Hello, can you hear me?",
                    "Customer: Yes, yes, sorry, I had you on mute.",
                    "Agent: Good morning, sorry, the line was quiet. Acme Bank, Anna speaking, how can I help?",
                    "Customer: I'd like to check my balance please.", *CLOSE)
    assert f["greeting.offer-help"].status.value == "pass"


def test_missing_closing_is_a_failure(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: Your card will arrive on Monday.", "Customer: Okay.")
    assert result.end_reason == "completed"
    assert f["closing.thanks"].status.value == "fail"
    assert result.missing_closing


def test_closing_found_when_anything_else_is_several_turns_before_end(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: Done, the payment is refunded.",
                    "Agent: Is there anything else I can help you with?", "Customer: Actually, one thing.",
                    "Customer: Is the refund instant?", "Agent: Yes, it is.", "Customer: Great, bye.",
                    "Agent: Thank you for calling, have a nice day.")
    assert f["closing.anything-else"].status.value == "pass"
    assert f["closing.order"].status.value == "pass"


def test_a_farewell_before_the_offer_of_more_help_fails_the_order_even_if_said_again(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: Your card will arrive on Monday. Have a nice day, goodbye!",
                    "Customer: Wait, sorry, one more thing!", "Agent: Yes, of course.",
                    "Customer: Can I use it abroad?", "Agent: Yes, everywhere in Europe.",
                    "Customer: And in the States?", "Agent: There too, with a small fee.", "Customer: Good.",
                    "Agent: Can I help you with anything else?", "Customer: No.",
                    "Agent: Thank you for calling Acme Bank, goodbye.")
    assert f["closing.farewell"].status.value == "pass"
    assert f["closing.order"].status.value == "fail"
    assert f["closing.order"].turn == 2


def test_a_farewell_ending_its_sentence_before_the_question_in_the_same_turn_fails_the_order(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: Your card will arrive on Monday.", "Customer: Okay.",
                    "Agent: Have a lovely day! Oh, sorry, is there anything else I can help with?",
                    "Customer: No, that's all.", "Agent: Thank you for calling Acme Bank, goodbye.")
    assert f["closing.order"].status.value == "fail"


def test_a_farewell_ending_its_sentence_fails_the_order_though_another_is_inside_it(en_runtime):
    # The turn's best farewell ("take care") does not end the sentence; "safe travels!" does.
    result, f = run(en_runtime, *OPEN, "Agent: Your card will arrive on Monday.", "Customer: Okay.",
                    "Agent: Take care and safe travels! Oh, sorry, is there anything else I can help with?",
                    "Customer: No, that's all.", "Agent: Thank you for calling Acme Bank, goodbye.")
    assert f["closing.order"].status.value == "fail"


@pytest.mark.parametrize("turn, order", [
    # Unpunctuated: thanks for calling right after the farewell starts a new sentence.
    ("Agent: okay have a nice day thank you for calling acme bank and is there anything else i can help with", "fail"),
    ("Agent: okay thank you for calling acme bank is there anything else i can help with", "pass"),
])
def test_a_farewell_before_another_closing_formula_ends_its_sentence_in_unpunctuated_text(en_runtime, turn, order):
    result, f = run(en_runtime, *OPEN, "Agent: your card will arrive on monday", "Customer: okay", turn,
                    "Customer: no thats all", "Agent: goodbye")
    assert f["closing.order"].status.value == order


def test_farewell_words_inside_a_turn_are_no_early_farewell(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: We'll take care of that for you, it takes a couple of days.",
                    *CLOSE)
    assert f["closing.order"].status.value == "pass"


def test_upset_customer_episode_and_empathy(en_runtime):
    result, f = run(en_runtime, *OPEN, "Customer: This is ridiculous, it's the third time I'm calling!",
                    "Agent: I'm so sorry about that, let me fix it now.", "Customer: Okay, thank you.", *CLOSE)
    episodes = [s for s in result.stages if s.stage == "difficult_client"]
    assert len(episodes) == 1 and episodes[0].start_turn == 2
    assert f["difficult.empathy"].status.value == "pass"
    assert f["difficult.no-blame"].status.value == "pass"


def test_an_upset_flaring_up_again_just_after_the_quiet_turns_is_one_episode(en_runtime):
    quiet = ["Agent: Let me check the readings.", "Customer: Fine.", "Agent: The meter was estimated.",
             "Customer: I see.", "Agent: The reading firm does that.", "Customer: And?"]
    result, f = run(en_runtime, *OPEN, "Customer: This is ridiculous, it's the third time I'm calling!",
                    "Agent: I'm so sorry about that, let me fix it now.", *quiet,
                    "Agent: Well, that's not my problem.", "Customer: Not your problem? This is unacceptable!",
                    "Agent: You can complain if you like.", *CLOSE)
    episodes = [s for s in result.stages if s.stage == "difficult_client"]
    assert len(episodes) == 1 and episodes[0].start_turn == 2
    # The brush-off between the two outbursts was said to an upset caller.
    assert f["difficult.no-blame"].status.value == "fail"
    assert f["difficult.empathy"].status.value == "pass"


@pytest.mark.parametrize("said, upset", [
    ("Customer: You blocked my card while I'm at the till, what is this?!", True),
    ("Customer: Is that the fee for the new card? Okay, thanks!", False),
])
def test_indignant_punctuation_opens_an_upset_episode(en_runtime, said, upset):
    result, _ = run(en_runtime, *OPEN, said, "Agent: Let me look at that for you.", *CLOSE)
    assert any(s.stage == "difficult_client" for s in result.stages) is upset


def test_an_agent_telling_the_caller_to_calm_down_opens_the_episode_at_the_callers_turn(en_runtime):
    # Sarcasm names no upset of its own; the agent's "calm down" and "not our fault" show it was one.
    result, f = run(en_runtime, *OPEN, "Customer: Oh brilliant, the price doubled. Lovely.",
                    "Agent: Please calm down, madam, it's not our fault the promotion ended.", "Customer: Right.",
                    *CLOSE)
    episodes = [s for s in result.stages if s.stage == "difficult_client"]
    assert len(episodes) == 1 and episodes[0].start_turn == 2 and episodes[0].trigger_turn == 2
    assert f["difficult.no-blame"].status.value == "fail"


def test_agent_start_cues_reach_back_to_the_callers_turn_only(en_runtime):
    # Two agent turns in a row: the cue answers the caller's turn two turns back; none further.
    result, _ = run(en_runtime, *OPEN, "Customer: Why is it so much?", "Agent: Let me see.",
                    "Agent: I understand your frustration.", *CLOSE)
    assert [s.start_turn for s in result.stages if s.stage == "difficult_client"] == [2]
    result, _ = run(en_runtime, *OPEN, "Customer: Why is it so much?", "Agent: Let me see.", "Agent: One moment.",
                    "Agent: I understand your frustration.", *CLOSE)
    assert [s.start_turn for s in result.stages if s.stage == "difficult_client"] == [5]


def test_upset_customer_blamed(en_runtime):
    result, f = run(en_runtime, *OPEN, "Customer: This is unacceptable!", "Agent: Well, you need to calm down.", *CLOSE)
    assert f["difficult.empathy"].status.value == "fail"
    assert f["difficult.no-blame"].status.value == "fail"
    assert result.critical_fail and result.score_final == 0.0 and result.score > 0


def test_blame_that_provokes_the_outburst_counts_but_not_the_greetings_words(en_runtime):
    # The agent turn just before the upset cue is looked at too...
    result, f = run(en_runtime, *OPEN, "Customer: But the doctor said it was urgent.",
                    "Agent: You should have read the terms.", "Customer: This is unacceptable!",
                    "Agent: I'm telling you what the policy says.", *CLOSE)
    assert f["difficult.no-blame"].status.value == "fail"
    # ...but not back into the opening: slang in the greeting is a forbidden phrase, not blame.
    result, f = run(en_runtime, "Agent: Hiya, Acme Bank, Anna speaking, wanna tell me what's up?",
                    "Customer: This is unacceptable, my card's been blocked again!",
                    "Agent: I'm so sorry, let me sort that out right away.", *CLOSE)
    assert f["answering.no-forbidden"].status.value == "fail"
    assert f["difficult.no-blame"].status.value == "pass"


def test_timing_metrics_and_timing_rules(en_runtime):
    result, f = run(en_runtime,
                    "[00:02] Agent: Good morning, Acme Bank, Anna speaking, how can I help you?",
                    "[00:07] Customer: I'd like to know why my transfer failed yesterday.",
                    "[00:12] Agent: May I put you on hold while I check that?",
                    "[00:15] Customer: Sure.",
                    "[02:16] Agent: Thank you for holding, the transfer was blocked by a limit.",
                    "[02:25] Customer: I see.",
                    "[02:50] Agent: Is there anything else I can help you with?",
                    "[02:53] Customer: No.",
                    "[02:55] Agent: Thank you for calling Acme Bank, goodbye.")
    t = result.timing
    assert t["time_to_first_agent_s"] == 0.0 and t["time_to_greeting_s"] == 0.0
    assert t["n_holds"] == 1 and 115 <= t["hold_longest_s"] <= 125 and t["hold_total_s"] == t["hold_longest_s"]
    assert 20 < t["longest_silence_s"] < 30  # the 25 s after "I see.", the hold itself excepted
    assert 0.5 < t["agent_talk_ratio"] < 1.0
    assert f["greeting.timely"].status.value == "pass"
    assert f["call.max-silence"].status.value == "fail"


def test_timing_not_applicable_without_timestamps(en_runtime):
    result, f = run(en_runtime, *OPEN, *CLOSE)
    assert all(v is None for v in result.timing.values())
    assert f["greeting.timely"].status.value == "not_applicable"
    assert f["call.max-silence"].status.value == "not_applicable"


def test_a_security_request_without_a_question_mark_makes_identity_check_apply(en_runtime):
    # "Confirm your date of birth." asks as a question does; the disclosure that follows is not in the
    # pack's disclosure cues, so the request is what makes the rule apply.
    result, f = run(en_runtime, *OPEN, "Agent: Sure. Confirm your date of birth and postcode for me.",
                    "Customer: Third of May 1980, LS6 2QW.", "Agent: Thanks. Your payment went out on the ninth.",
                    *CLOSE)
    assert f["answering.identity-check"].status.value == "pass"


@pytest.mark.parametrize("reply, verdict", [
    ("Customer: I don't, sorry, he keeps all that.", "fail"),
    ("Customer: Ah, I haven't got it on me.", "fail"),
    # Declining later in the reply is not declining the question: the number was given.
    ("Customer: Yes, it's 40-11-92, though I don't remember the sort code.", "pass"),
])
def test_a_security_question_the_caller_declines_verifies_no_one(en_runtime, reply, verdict):
    result, f = run(en_runtime, *OPEN, "Agent: Do you have the account number there?", reply,
                    "Agent: Okay. Right, your balance is 94 pounds.", "Customer: Fine.", *CLOSE)
    finding = f["answering.identity-check"]
    assert finding.status.value == verdict
    if verdict == "fail":
        assert "declined" in finding.evidence


def test_an_identifier_read_out_by_the_agent_verifies_no_one(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: Let me look. Found you, the account number 4011 9233, your balance is 94 pounds.",
                    "Customer: Fine.", *CLOSE)
    finding = f["answering.identity-check"]
    assert finding.status.value == "fail"
    assert "said, not asked" in finding.evidence


def test_a_declined_question_followed_by_an_answered_one_verifies(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: Do you have the account number there?", "Customer: I don't, sorry.",
                    "Agent: No problem. Can you confirm your date of birth instead?", "Customer: 3rd of May 1980.",
                    "Agent: Thanks. Your balance is 94 pounds.", "Customer: Fine.", *CLOSE)
    assert f["answering.identity-check"].status.value == "pass"
    assert "date of birth" in f["answering.identity-check"].evidence


@pytest.mark.parametrize("agent_says, verdict", [
    ("Agent: Lovely, so that's Jo Hart on oh seven seven oh oh, nine oh oh, one two three.", "pass"),
    ("Agent: Thanks, that's Jo Hart on 07700 900123.", "pass"),
    ("Agent: So that's oh-seven-seven-oh-oh, nine-oh-oh, one-two-three?", "pass"),
    ("Agent: Thanks, I've noted that down, Jo.", "fail"),
    # A number of the agent's own is no read-back of the caller's.
    ("Agent: Thanks. He can also be reached on 0161 496 0000.", "fail"),
])
def test_the_callers_number_said_back_reads_the_details_back(en_runtime, agent_says, verdict):
    result, f = run(en_runtime, *OPEN, "Customer: Could I speak to Mr Patel, please?",
                    "Agent: I'm afraid he's in a meeting. Can I take a message?", "Customer: Yes please.",
                    "Agent: What's your name and number?", "Customer: Jo Hart, 07700 900123.", agent_says,
                    "Customer: Great.", *CLOSE)
    assert f["answering.message-taking"].status.value == verdict


def test_a_name_taken_for_a_message_is_no_security_question(en_runtime):
    result, f = run(en_runtime, *OPEN, "Customer: Could I speak to Mr Patel, please?",
                    "Agent: I'm afraid he's in a meeting. Can I take a message?", "Customer: Yes please.",
                    "Agent: Could I have your full name and a phone number?", "Customer: Jo Hart, 07700 900123.",
                    "Agent: Thanks, that's Jo Hart on 07700 900123, he'll call you back.", *CLOSE)
    assert f["answering.message-taking"].status.value != "not_applicable"
    assert f["answering.identity-check"].status.value == "not_applicable"


def test_please_have_it_ready_asks_nothing(en_runtime):
    result, f = run(en_runtime, *OPEN, "Agent: Please have your policy number ready when they answer.",
                    "Customer: Okay.", *CLOSE)
    assert f["answering.identity-check"].status.value == "not_applicable"


@pytest.mark.parametrize("language, lines", [
    ("bg", ["Agent: Може ли да ви задържа на линия за момент, докато проверя?", "Customer: Да.",
            "Agent: Благодаря ви, че останахте на линия, отблокирах картата."]),
    ("ru", ["Agent: Можно попросить вас подождать на линии, пока я проверю?", "Customer: Да.",
            "Agent: Спасибо, что остались на линии, карту разблокировала."]),
    ("it", ["Agent: Posso metterla in attesa un momento mentre controllo?", "Customer: Sì.",
            "Agent: Grazie per essere rimasto in linea, ho sbloccato la carta."]),
])
def test_a_thanks_for_waiting_is_the_return_though_it_echoes_the_announcement(language, lines):
    # "Thank you for staying on the line" shares its words with "stay on the line": still the return.
    runtime = PackRuntime(load_pack(RULES / language))
    result, f = run(runtime, *lines, "Customer: Thanks.")
    holds = [s for s in result.stages if s.stage == "transfer"]
    assert [(s.trigger_turn, s.return_turn) for s in holds] == [(0, 2)]
    assert f["transfer.thanks-for-waiting"].status.value == "pass"


def test_a_value_is_looked_for_after_the_matched_words_not_after_their_first_occurrence(en_runtime):
    # The same words twice in one turn: what follows the matched occurrence decides, not str.find's.
    from analyzer.checks.required import _stated_value
    from analyzer.context import CallContext
    from analyzer.models import Match

    transcript = make_call(*OPEN, "Agent: Account number please. Account number 4011 9233, right.")
    ctx = CallContext(transcript, en_runtime.pack, en_runtime.matcher, en_runtime.matcher.prepare(transcript), {})
    first = Match("account number", 100.0, 2, 2, "Account number", word=0, end_word=1)
    second = Match("account number", 100.0, 2, 2, "Account number", word=3, end_word=4)
    assert _stated_value(ctx, first) is None
    assert _stated_value(ctx, second) == "said, not asked: 4011 9233, right."
    # Without word offsets (a regex formula's match) the words are found in the text.
    assert _stated_value(ctx, Match("account number", 100.0, 2, 2, "Account number")) is None


@pytest.mark.parametrize("reply, greeted", [
    # The caller echoes the agent's "Hello?": the line was being checked, the opening comes next.
    ("Customer: Hello? Hello, can you hear me all right?", True),
    # The caller starts on the request: the agent's two words were the whole opening.
    ("Customer: Hi, I'm calling about the refund for my kettle please.", False),
])
def test_an_opening_after_a_line_check_is_the_greeting(en_runtime, reply, greeted):
    result, f = run(en_runtime, "Agent: Hello?", reply,
                    "Agent: Yes, I can hear you now. Good afternoon, Acme Bank, Anna speaking, how can I help?",
                    "Customer: It's about my card payment from last week, it went out twice.",
                    "Agent: I'm sorry about that, let me look into it.", *CLOSE)
    # (no company in these calls' metadata)
    assert (result.stages[0].end_turn == 2) is greeted
    # A name and an offer of help given in the agent's first answer after the opening count either way
    # (window `after: 1`).
    assert f["greeting.offer-help"].status.value == "pass"
    assert f["greeting.agent-name"].status.value == "pass"


@pytest.mark.parametrize("question, reply, verdict", [
    # Asked for one detail or another: declining the first and giving the second verifies.
    ("Agent: Do you have the account number, or your date of birth?",
     "Customer: I don't have the number on me. Date of birth is the 3rd of May 1980.", "pass"),
    # Asked for one detail: something else offered instead does not verify.
    ("Agent: Do you have the account number there?",
     "Customer: I don't, sorry. The car reg is NFZ 4127 if that helps?", "fail"),
])
def test_a_declined_detail_and_another_given(en_runtime, question, reply, verdict):
    result, f = run(en_runtime, *OPEN, question, reply, "Agent: Okay. Right, your balance is 94 pounds.",
                    "Customer: Fine.", *CLOSE)
    assert f["answering.identity-check"].status.value == verdict


@pytest.mark.parametrize("offer, permitted", [
    ("Agent: I can put you through to our billing team, would you like me to do that?", True),
    ("Agent: Billing can sort that out for you.", False),
])
def test_an_offered_transfer_carried_out_turns_later_is_one_transfer(en_runtime, offer, permitted):
    # The agent offers the transfer, takes a name, then hands the call on: the question asked at the
    # offer is the permission, and nobody waited at the offer to be thanked.
    result, f = run(en_runtime, *OPEN, offer, "Customer: Yes please.",
                    "Agent: Can I just take your name first, so they know who is calling?",
                    "Customer: It's Dana Price.", "Agent: Thanks, Dana. Have the invoice number ready for them.",
                    "Customer: Will do.",
                    "Agent: Right, I've put you through to our billing team now, it may ring a few times.",
                    "Customer: Great, thanks.")
    transfers = [s for s in result.stages if s.stage == "transfer"]
    assert len(transfers) == 1 and transfers[0].trigger_turn == 8
    assert f["transfer.permission"].status.value == ("pass" if permitted else "fail")
    assert f["transfer.thanks-for-waiting"].status.value == "not_applicable"
    assert result.end_reason == "transferred"


@pytest.mark.parametrize("reply, next_turn, transferred", [
    # The caller takes the other way offered and the agent carries on: nobody is transferred.
    ("Customer: Fine, you have a look.", "Agent: Okay, what's the booking reference?", False),
    # The agent's next words hand the call on: the offer was taken up.
    ("Customer: Yes, put me through.", "Agent: Putting you through to my supervisor now.", True),
])
def test_a_transfer_offer_the_caller_does_not_take_up_is_no_transfer(en_runtime, reply, next_turn, transferred):
    result, f = run(en_runtime, *OPEN,
                    "Agent: I can put you through to my supervisor, or I can have a look at it for you now?",
                    reply, next_turn, "Customer: Okay.", *CLOSE)
    transfers = [s for s in result.stages if s.stage == "transfer"]
    assert bool(transfers) is transferred
    assert f["transfer.permission"].status.value == ("pass" if transferred else "not_applicable")


def test_a_closing_is_not_looked_for_in_the_opening(en_runtime):
    # "What can I do for you?" and "thanks for calling" in the opening of a short call are neither
    # the closing's "anything else?" nor its thanks.
    result, f = run(en_runtime, "Agent: Thanks for calling Acme Outdoors, Brodie here, what can I do for you?",
                    "Customer: Just checking my tent order went out.", "Agent: It went out on Friday.",
                    "Customer: Great, that's all I needed. Thanks, bye!", "Agent: Have a good one.")
    assert f["closing.anything-else"].status.value == "fail"
    assert f["closing.thanks"].status.value == "fail"
    assert f["closing.farewell"].status.value == "pass"


def test_a_failed_rule_suggests_its_first_formula_written_as_words(en_runtime):
    # The identity check's formulas open with a regex (a one-time code sent by text); the message
    # suggests the first one a reader can say.
    _, f = run(en_runtime, *OPEN, "Agent: Your balance is 230 pounds.", *CLOSE)
    finding = f["answering.identity-check"]
    assert finding.status.value == "fail"
    assert "expected e.g. 'can I have your full name'" in finding.message


def test_the_first_answer_counts_only_when_the_opening_does_not_pass(en_runtime):
    # The hello is in the opening: a "thank you for calling about this" in the answer (a greeting
    # formula too) must not become the evidence, or the greeting would seem 22 s late.
    _, f = run(en_runtime, "[00:00] Agent: Good afternoon, Northwind Energy, my name's Kevin. How can I help?",
               "[00:06] Customer: I'm calling to report a broken meter cupboard next door, the door is hanging off.",
               "[00:22] Agent: Okay, thank you for calling about this. Which address is it?",
               "[00:30] Customer: 9 Orchard Road.", "[00:34] Agent: Is there anything else I can help you with?",
               "[00:37] Customer: No, that's all.", "[00:39] Agent: Thank you for calling Northwind Energy, goodbye.")
    assert f["greeting.salutation"].status.value == "pass"
    assert f["greeting.timely"].status.value == "pass"


def test_a_window_after_its_stage_is_looked_at_when_the_role_said_nothing_in_the_stage(en_runtime):
    # A stage span holding no agent turn at all (the caller's turn only): the agent's first answer
    # after it is still looked at, as when the agent's opening turns said no name.
    from analyzer.context import CallContext
    from analyzer.models import StageSpan
    from analyzer.engine import _outcome

    rd = next(r for r in en_runtime.pack.rules if r.rule.name == "greeting.agent-name")
    transcript = make_call("Customer: Hello? Is that the bank? My card's been swallowed.",
                           "Agent: Yes, my name's Tom, let me help you with that.")
    ctx = CallContext(transcript, en_runtime.pack, en_runtime.matcher, en_runtime.matcher.prepare(transcript), {})
    span = StageSpan("greeting", 1, 0, 0)
    assert _outcome(ctx, rd, span).status.value == "pass"


def test_a_customer_number_said_back_is_no_contact_number_read_back(en_runtime):
    # A customer number repeated while finding the account is no contact number read back.
    lines = [*OPEN, "Customer: Could I speak to Mr Patel, please?",
             "Agent: I'm afraid he's in a meeting. What's your customer number?", "Customer: 40 22 91.",
             "Agent: 402291, yes, I have you.", "Customer: Can he ring me?",
             "Agent: Of course, I'll take a message for him. What's your number?", "Customer: 07700 900123."]
    _, f = run(en_runtime, *lines, "Agent: Thanks, I've noted that down.", "Customer: Great.", *CLOSE)
    assert f["answering.message-taking"].status.value == "fail"
    _, f = run(en_runtime, *lines, "Agent: Thanks, that's 07700 900123.", "Customer: Great.", *CLOSE)
    assert f["answering.message-taking"].status.value == "pass"


def test_a_caller_who_steps_away_to_fetch_something_is_not_on_hold(en_runtime):
    result, f = run(en_runtime,
                    "[00:00] Customer: Hello, I need to change the bank account my pension is paid into.",
                    "[00:05] Agent: Good afternoon, Harbour Pension Trust, Daniel speaking. Can I take your member number?",
                    "[00:12] Customer: It's 4007 7193.", "[00:16] Agent: Thank you. Bear with me...",
                    "[00:25] Agent: Sorry, that's not bringing anything up. Could you read it out again?",
                    "[00:30] Customer: Oh, hang on, that's my old staff number. Can you wait a minute? I'll get the letter.",
                    "[00:39] Agent: Of course, take your time.",
                    "[01:32] Customer: Sorry about that. It's HPT 552 0184.",
                    "[01:41] Agent: Thank you, that's found you.", *CLOSE)
    assert [s for s in result.stages if s.stage == "transfer"] == []
    assert f["transfer.permission"].status.value == "not_applicable"


def test_a_hello_said_twice_around_the_callers_greeting_does_not_end_the_opening():
    runtime = PackRuntime(load_pack(RULES / "ru"))
    result, f = run(runtime, "Оператор: сервисная служба тепло дом добрый день", "Клиент: алло да здравствуйте алло",
                    "Оператор: да да слышу вас меня зовут алина чем могу помочь",
                    "Клиент: у меня котел не работает со вчерашнего вечера")
    assert [s.end_turn for s in result.stages if s.stage == "greeting"] == [2]
    assert f["greeting.offer-help"].status.value == "pass"


def test_a_forbidden_word_that_is_the_companys_name_is_no_offence():
    runtime = PackRuntime(load_pack(RULES / "bg"))
    lines = ["Agent: Добър ден, детска градина „Слънчице“, Радка на телефона. С какво мога да помогна?",
             "Customer: Добър ден, искам да попитам за приема.", "Agent: Разбира се, кажете."]
    _, f = run(runtime, *lines)
    assert f["answering.no-forbidden"].status.value == "fail"  # no company known: an endearment
    result = check_call(make_call(*lines, company="ДГ № 47 „Слънчице“"), runtime)
    assert fold_findings(result.findings)["answering.no-forbidden"].status.value == "pass"


def test_a_third_party_who_takes_the_call_after_a_bare_one_moment_was_transferred_to(en_runtime):
    result, f = run(en_runtime, *OPEN, "Customer: I've had enough. Get me a manager.", "Agent: Okay. One moment.",
                    "Supervisor: Hello, Mr Okafor? This is Dana Whitfield, the duty supervisor.",
                    "Customer: Finally. I want my refund.", "Supervisor: Understood, let me look.")
    assert result.end_reason == "transferred"
    assert f["transfer.permission"].status.value == "fail"
    assert f["closing.farewell"].status.value == "not_applicable"


def test_the_return_from_a_hold_may_offer_the_transfer_made_a_few_turns_later(en_runtime):
    """"Thanks for holding ... I can put you through to my colleague Mark in claims, is that okay?" opens
    the transfer, though the turn also ends the hold: its question asks for the hand-off made later."""
    result, f = run(en_runtime,
                    "[00:00] Agent: Good morning, Acme Insurance, Anna speaking, how can I help you?",
                    "[00:05] Customer: I need to add cover for a trip to Switzerland.",
                    "[00:12] Agent: Can I put you on hold for a moment while I check with claims?",
                    "[00:15] Customer: Sure.",
                    "[00:55] Agent: Thanks for holding. It can be done, I can put you through to my colleague Mark "
                    "in claims, is that okay?",
                    "[01:05] Customer: Yes. Oh, and is the vignette included?",
                    "[01:10] Agent: No, you buy that at the border. Mark will explain the rest.",
                    "[01:18] Customer: Okay, thanks.",
                    "[01:20] Agent: Putting you through now.")
    assert result.end_reason == "transferred"
    assert [s.kind for s in result.stages if s.stage == "transfer"] == ["hold", "transfer"]
    assert f["transfer.permission"].status.value == "pass"
    assert f["transfer.announce-target"].status.value == "pass"


def test_the_return_from_a_transfer_that_names_it_again_announces_nothing(en_runtime):
    result, f = run(en_runtime, *OPEN,
                    "Agent: That's our claims team. Can I transfer you to claims?",
                    "Customer: Yes, please.",
                    "Agent: Transferring you now, please hold.",
                    "Customer: Hello? They started talking about home insurance.",
                    "Agent: Thanks for waiting, it's Anna again, sorry, I transferred you to the wrong team.",
                    "Customer: Okay.", *CLOSE)
    assert [s.kind for s in result.stages if s.stage == "transfer"] == ["transfer"]
    assert f["transfer.thanks-for-waiting"].status.value == "pass"


def test_a_second_hold_is_not_asked_for_by_the_first_ones_question(en_runtime):
    """"Can I put you on hold?" / 40 s / "Sorry, they still haven't answered. Please hold." / 75 s: the
    second hold was announced, not asked for."""
    result, f = run(en_runtime,
                    "[00:00] Agent: Good morning, Acme Parcels, Anna speaking, how can I help you?",
                    "[00:05] Customer: My parcel was not delivered on Monday.",
                    "[00:12] Agent: Can I put you on hold while I call the warehouse?",
                    "[00:15] Customer: Yes, fine.",
                    "[00:55] Agent: Sorry, the warehouse still hasn't picked up. Please hold.",
                    "[02:10] Agent: Thanks for holding, your parcel is on the shelf.",
                    "[02:15] Customer: Good.", *CLOSE)
    holds = [s for s in result.stages if s.stage == "transfer"]
    assert [h.kind for h in holds] == ["hold", "hold"]
    assert [h.start_turn for h in holds] == [2, 4]
    assert f["transfer.permission"].status.value == "fail"


def test_an_agent_who_briefs_the_colleague_last_has_handed_the_call_on(en_runtime):
    result, f = run(en_runtime, *OPEN,
                    "Agent: Mark, our audiologist, is free now. Would you like me to put you through to him?",
                    "Customer: Yes, please.",
                    "Agent: Okay, I'll bring him onto the line now.",
                    "Customer: Okay.",
                    "Agent: Hi Mark, it's Priya on the front desk. I've got Claire Whitman on the line about her "
                    "mother's hearing aid. Claire, I've got Mark on the line for you now.",
                    "Customer: Thanks so much, Priya.",
                    "Agent: You're welcome. Bye now.")
    assert result.end_reason == "transferred"
    assert f["transfer.thanks-for-waiting"].status.value == "not_applicable"


def test_a_visit_the_caller_asks_for_as_the_line_drops_was_not_arranged(en_runtime):
    result, f = run(en_runtime, *OPEN,
                    "Agent: Okay, I've logged the leak outside number twenty-two.",
                    "Customer: Thanks. Will someone come out tonight?",
                    "Agent: So it gets prioritised by the network team, and with it flowing like that it should—")
    assert result.end_reason == "cut_off"
    assert f["answering.appointment"].status.value == "not_applicable"


def test_an_outbound_opening_that_reads_out_the_record_discloses_it(en_runtime):
    """Read out to whoever answered, in the opening of a call the agent placed; an opening that reads out
    no figure ("please confirm that your order is correct") discloses nothing (the test above)."""
    result, f = run(en_runtime,
                    "Customer: Hello?",
                    "Agent: Good afternoon, my name is Radu and I'm calling from Acme Furniture about your order "
                    "30418, a wardrobe and a chest of drawers, with £1,240 still outstanding on delivery.",
                    "Customer: Oh, that's my husband's order, he's at work.",
                    "Agent: No problem. Will you be at home on Thursday?", "Customer: Yes.", *CLOSE)
    assert f["answering.identity-check"].status.value == "fail"


@pytest.mark.parametrize("after_correction, verdict", [
    ("Agent: Yes, that's right now, thank you. Your balance is three hundred pounds.", "pass"),
    ("Agent: Nope. Not to worry, your balance is three hundred pounds.", "fail"),
])
def test_an_answer_found_wrong_and_corrected_verifies_the_caller(en_runtime, after_correction, verdict):
    result, f = run(en_runtime, *OPEN,
                    "Agent: Can I take your date of birth, please?",
                    "Customer: Twelfth of March 1959.",
                    "Agent: That's not what I've got here. Could you check again?",
                    "Customer: Oh sorry, that's my wife's. Mine is the 21st of March 1957.",
                    after_correction,
                    "Customer: Okay.", *CLOSE)
    assert f["answering.identity-check"].status.value == verdict


def test_a_caller_who_hangs_up_on_a_hold_cut_the_call_off(en_runtime):
    result, f = run(en_runtime,
                    "[00:00] Agent: Hi there, VoltPoint support, Ryan speaking, how can I help?",
                    "[00:05] Customer: The cable is stuck in my car.",
                    "[00:14] Agent: I'm going to put you on hold now while I reset the unit.",
                    "[00:19] Customer: Oh. Right, okay.",
                    "[01:44] Customer: Hello? ... Hello, is anyone there? ... I'll try ringing back.")
    assert result.end_reason == "cut_off"
    assert f["closing.farewell"].status.value == "not_applicable"


def test_an_agent_back_from_a_hold_to_a_line_the_caller_left_thanks_nobody(en_runtime):
    result, f = run(en_runtime,
                    "[00:00] Agent: Hi there, VoltPoint support, Ryan speaking, how can I help?",
                    "[00:05] Customer: The charger won't start.",
                    "[00:14] Agent: Please stay on the line while it restarts.",
                    "[00:19] Customer: Okay.",
                    "[01:40] Agent: Oleg, the charger has restarted, you can try now... Hello? Oleg?",
                    "[01:47] Agent: Hello, can you hear me? ... Looks like the call dropped.")
    holds = [s for s in result.stages if s.stage == "transfer"]
    assert len(holds) == 1 and holds[0].return_turn is None
    assert f["transfer.thanks-for-waiting"].status.value == "not_applicable"


def test_an_apology_in_the_greeting_before_the_caller_spoke_is_no_empathy():
    """"Îmi cer scuze pentru așteptare" in the opening apologises for the queue, not for what the caller then
    complains of."""
    runtime = PackRuntime(load_pack(RULES / "ro"))
    result, f = run(runtime,
                    "Agent: Bună ziua, Orion Mobil, mă numesc Andrei. Îmi cer scuze pentru așteptare. Cu ce vă pot ajuta?",
                    "Customer: Mi-a venit factura de patru sute treizeci de lei! E o bătaie de joc, trec la alt operator!",
                    "Agent: Îmi spuneți numărul de telefon?", "Customer: 0722 540 118.",
                    "Agent: Sunt taxe de roaming.", "Customer: Bine.",
                    "Agent: Vă mai pot ajuta cu ceva?", "Customer: Nu.", "Agent: Vă mulțumim că ați sunat, la revedere.")
    assert [s.stage for s in result.stages].count("difficult_client") == 1
    assert f["difficult.empathy"].status.value == "fail"
