"""A seeded synthetic corpus of English contact-center calls, with the verdicts a QA reviewer would give.

Each call is 40-120 turns and 600-1,500 words of a realistic service conversation (banking, retail,
telecom, energy, insurance). The opening and the closing formulas are said verbatim, paraphrased,
damaged by speech recognition (misheard words, split compounds, lower case without punctuation,
fillers) or not at all, and decoys are planted: the customer says the agent's formulas, the agent
says a bare "thank you" or "thanks for calling" mid-call, harmless look-alikes of forbidden phrases
("no problem", "I don't know offhand, let me find out").

The ground truth covers the rules the generator controls (RULES) and is what a reviewer listening
to the call would decide, not what any matcher finds: a paraphrase a matcher misses is still a pass.

    python scripts/corpus.py --calls 200 --out /tmp/calls      # writes the calls and truth.json
"""
from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

RULES = (
    "greeting.salutation", "greeting.company", "greeting.agent-name", "greeting.offer-help",
    "closing.anything-else", "closing.thanks", "closing.farewell", "answering.no-forbidden",
)
TRUTH_FILE = "truth.json"

COMPANIES = {
    "bank": ["Acme Bank", "Northbridge Savings", "Harbour Credit Union", "Meridian Bank"],
    "retail": ["ShopNest", "Brightcart", "Home and Garden Direct", "Fernway Outlet"],
    "telecom": ["Telvio", "Skyline Mobile", "Beacon Broadband", "NetWave"],
    "energy": ["Northwind Energy", "Greenleaf Power", "Solara Gas and Electric"],
    "insurance": ["Shieldline Insurance", "Oakridge Mutual", "Safeharbor Cover"],
}
AGENT_NAMES = ["Anna", "Mark", "Priya", "James", "Sofia", "Daniel", "Chloe", "Omar", "Grace", "Liam",
               "Hannah", "Raj", "Emily", "Tom", "Fatima", "Lucas", "Megan", "Kwame", "Zoe", "Peter"]
SURNAMES = ["Hughes", "Patel", "Carter", "Novak", "Okafor", "Brennan", "Lindqvist", "Moreau", "Kowalski", "Adeyemi",
            "Fitzgerald", "Nakamura", "Oyelaran", "Delacroix", "Whitfield", "Papadopoulos", "Abernethy", "Szymanski"]
VERIFY = ["Before I go into the account, could I take your full name and date of birth, please?",
          "For security purposes, can you confirm your full name and the postcode on the account?",
          "Could I have your account number, please?", "Can you confirm your date of birth for me, please?"]

# --- the opening -------------------------------------------------------------------------------------

SALUTATION = {
    "verbatim": ["Good morning", "Good afternoon", "Hello", "Good evening", "Hi there", "Good day"],
    "paraphrase": ["Good morning to you", "Hello and good afternoon", "Hi, good morning", "Morning, hello"],
    "asr": ["good mourning", "good afternon", "hallo", "good evenin", "helo there"],
}
COMPANY = {
    "verbatim": ["thank you for calling {company}", "you've reached {company}", "welcome to {company}",
                 "{company} customer service", "{company}"],
    "paraphrase": ["thanks so much for calling {company}", "you're through to {company}",
                   "this is {company} customer care", "{company} here"],
    "asr": ["thank you for colling {company_split}", "you have reached {company_split}",
            "welcome to {company_typo}"],
}
AGENT_NAME = {
    "verbatim": ["my name is {name}", "{name} speaking", "this is {name}", "you're speaking with {name}"],
    "paraphrase": ["my name's {name}", "I'm {name}", "{name} here", "you're through to {name}"],
    "asr": ["my name is {name_typo}", "{name_typo} speaking", "this is {name_typo}", "you're speaking with {name_typo}"],
}
OFFER_HELP = {
    "verbatim": ["how can I help you today?", "how may I help you?", "how can I assist you?",
                 "what can I do for you today?", "how may I assist you today?"],
    "paraphrase": ["how can I help you this morning?", "what can I help you with today?",
                   "how can I be of help today?", "how can I help you out today?"],
    "asr": ["how can i hope you", "how may i asist you", "how can i help yo today", "what can i do for you to day"],
}

# --- the closing -------------------------------------------------------------------------------------

ANYTHING_ELSE = {
    "verbatim": ["Is there anything else I can help you with today?", "Is there anything else I can do for you?",
                 "Can I help you with anything else?", "Do you have any other questions?"],
    "paraphrase": ["Is there anything else at all I can help with?", "Anything else I can help you with today?",
                   "Is there something else I can do for you?", "What else can I help you with today?"],
    "asr": ["is there anything els i can help you with", "can i help you with any thing else",
            "is there anything else i can do for you to day"],
}
THANKS = {
    "verbatim": ["Thank you for calling {company}.", "Thanks for calling.", "Thank you for contacting us.",
                 "Thank you for your call.", "Thank you for calling."],
    "paraphrase": ["Thank you very much for calling {company}.", "Thanks a lot for calling us today.",
                   "Thank you so much for your call.", "We appreciate your call."],
    "asr": ["thank you for colling {company_split}", "thanks for calling", "thank you for your cool",
            "thank you for contacting as"],
}
FAREWELL = {
    "verbatim": ["Have a lovely day.", "Goodbye.", "Have a nice day.", "Take care, goodbye.", "Have a great day."],
    "paraphrase": ["Have a wonderful afternoon.", "Enjoy the rest of your day.", "Bye bye now.",
                   "Have a good one.", "All the best, bye."],
    "asr": ["have a lovely the", "good bye", "have a nice dey", "take care by"],
}
# Thanks that do not thank the caller for calling: a reviewer marks closing.thanks as failed.
BARE_THANKS = ["Thank you.", "Thanks.", "Thank you for your patience.", "Thanks for that."]

# --- forbidden phrases -------------------------------------------------------------------------------

FORBIDDEN = {
    "verbatim": ["That's not my problem, you need to call the shop.", "I don't know.",
                 "Yeah, that's gonna take a week.", "No idea, sorry.", "Whatever you prefer, it makes no difference.",
                 "Hang on a sec.", "Nah, that's right.", "Nope, that's not possible."],
    "asr": ["that's not my problem you need to call them", "i dunno", "yeah that's gonna be a while",
            "no idear sorry", "hang on a second"],
}
# Look-alikes a reviewer does not count: the rule's exceptions and harmless near-misses.
FORBIDDEN_DECOYS = ["No problem at all, I can do that for you.", "I don't know offhand, let me find out for you.",
                    "I don't know the exact date, let me check.", "Yes, that's right.",
                    "I know it's frustrating, so let me sort it out now.", "It's no trouble at all."]


@dataclass(frozen=True)
class Domain:
    name: str
    requests: tuple[str, ...]  # the customer's opening request
    customer: tuple[str, ...]
    agent: tuple[str, ...]


DOMAINS = [
    Domain(
        "bank",
        ("Hi, I think I've lost my debit card and I need to cancel it before anyone uses it.",
         "Hello, there's a payment on my statement that I don't recognise and I'm a bit worried about it.",
         "Hi, I'd like to increase the limit on my credit card, and ask about the interest rate.",
         "Hello, I tried to set up a standing order in the app and it keeps giving me an error."),
        ("It was on Saturday, I think, in town.", "The card ends in four four one two.",
         "I use the mobile app mostly, sometimes online banking on the laptop.",
         "Can I still pay with my phone in the meantime?", "How long will the new card take to arrive?",
         "It says the payment went to a company I've never heard of.", "My date of birth is the fourteenth of March.",
         "The postcode is BS7 8QE.", "I'd rather not go into a branch if I can avoid it.",
         "Right, and will the direct debits still go out as normal?", "Okay, that makes sense.",
         "I just want to make sure nobody can take money out.", "Could you send me a letter confirming that?",
         "I only noticed it this morning when I checked my balance.", "Is there a fee for the replacement?"),
        ("Could you confirm the first line of your address for me, please?",
         "I can see the last transaction on the card was on Saturday afternoon at a coffee shop.",
         "What I'll do now is cancel the card so it can't be used, and order you a replacement.",
         "The new card will go to your home address and should arrive within three to five working days.",
         "Your PIN stays the same, so you won't need to wait for a new one.",
         "The direct debits and standing orders are linked to the account, not the card, so they carry on.",
         "I've raised a dispute for that payment and the money will be credited back while we investigate.",
         "You should receive a text message from us within the next hour confirming the dispute.",
         "The interest rate on the card is shown in your statement under the summary of charges.",
         "I've checked the standing order screen and the error was caused by the reference being too long.",
         "If you shorten the reference to eighteen characters it will go through without a problem.",
         "There's no fee for a replacement when a card is lost.", "I'll add a note to the account as well.",
         "The app will show the new card as soon as it has been dispatched.",
         "I can also send you a letter confirming the cancellation, it takes about two days."),
    ),
    Domain(
        "retail",
        ("Hi, I ordered a coffee machine last week and the tracking page still says preparing for dispatch.",
         "Hello, I received a parcel today but one of the items was broken inside the box.",
         "Hi, I want to return a pair of boots that don't fit, but I've lost the returns label.",
         "Hello, I was charged twice for the same order and I need one of the payments refunded."),
        ("The order number starts with SN, it's SN four four seven one.", "It was delivered this morning around ten.",
         "The glass jug was cracked right down the side.", "I paid by card through the website.",
         "I'd prefer a refund rather than a replacement, to be honest.", "Will I need to pay for the return postage?",
         "The delivery address is the same as the billing address.", "Can the courier collect it from my house?",
         "I've got photos of the damage if you need them.", "Both payments went out on the same day.",
         "Okay, and how long does the refund usually take?", "That's good to hear.",
         "I've ordered from you many times and this has never happened before.", "Do I need to keep the original box?"),
        ("I can see the order here, it's still at our warehouse waiting for one item to come into stock.",
         "The missing item is due in on Thursday and the whole order will ship the same day.",
         "I've arranged for a courier to collect the damaged machine from your address.",
         "The replacement will be sent out as soon as the courier has scanned the return.",
         "I've emailed you a new returns label, it should be in your inbox in a few minutes.",
         "Refunds go back to the original card and usually show within three to five working days.",
         "I can see both payments on the order, and I've cancelled the duplicate one.",
         "You don't need the original box, any sturdy packaging will do.",
         "I've added a voucher to your account as an apology for the trouble.",
         "The courier will text you a one hour delivery window on the morning of collection.",
         "Please keep the photos in case the courier asks for them.", "There's no charge for the return postage.",
         "I've updated the delivery instructions on the order for you.",
         "You'll get an email confirmation of the refund as soon as it's processed."),
    ),
    Domain(
        "telecom",
        ("Hi, my broadband keeps dropping out every evening and it's been going on for a week.",
         "Hello, my bill this month is much higher than usual and I'd like to know why.",
         "Hi, I'm moving house next month and want to move my contract to the new address.",
         "Hello, my new phone isn't picking up any signal since I put the SIM card in."),
        ("It usually drops around seven or eight in the evening.", "I've already restarted the router twice.",
         "The bill is nearly forty pounds more than last month.", "We're moving on the fifteenth of next month.",
         "The new address is 12 Mill Lane, the postcode is M20 2LS.", "I haven't made any international calls.",
         "The lights on the router go orange when it drops.", "It's an unlocked phone I bought online.",
         "Will there be a charge for moving the line?", "I work from home so I really need it to be reliable.",
         "Okay, so what happens next?", "That would be great.", "How long will the engineer visit take?",
         "Do I need to be in for the whole day?"),
        ("I've run a line test and I can see some noise on the line in the evenings.",
         "I'm going to book an engineer to check the connection at the exchange and at your property.",
         "The extra charge on the bill is for data used while roaming last month.",
         "I've applied a one-off credit of fifteen pounds to your next bill as a goodwill gesture.",
         "Moving the contract is free, and the new line will be live on the day you move.",
         "I've set the home move for the fifteenth, and the router can go with you.",
         "The SIM needs a settings update, I've sent it to your phone now.",
         "If you restart the phone the network settings will install automatically.",
         "The engineer will arrive between eight in the morning and one in the afternoon.",
         "You'll get a text the day before with a narrower time slot.",
         "I've also switched on a speed boost for your account while we investigate.",
         "Your contract end date stays the same after the move.", "The line test looks clear during the day.",
         "I've noted that you work from home, so the visit is marked as a priority."),
    ),
    Domain(
        "energy",
        ("Hi, I'd like to submit a meter reading because my last bill was an estimate.",
         "Hello, I've received a letter saying my direct debit is going up and I don't understand why.",
         "Hi, I'm moving out of my flat on Friday and need to close my account.",
         "Hello, I think my smart meter has stopped sending readings."),
        ("The electricity reading is four five six seven two.", "The gas reading is one two three eight.",
         "It's gone up by nearly twenty pounds a month.", "I'm moving out on Friday morning.",
         "The display on the meter just shows a blank screen.", "I'd like the final bill sent by email.",
         "Can you use the reading from today?", "I don't want to be charged for the new tenant's usage.",
         "Okay, and when will I get the final bill?", "That sounds fair enough.",
         "The forwarding address is 4 Church Street, Leeds.", "Does the price cap affect my tariff?"),
        ("I've added that reading to your account and recalculated the bill.",
         "Your new bill is eleven pounds lower than the estimate, and I'll email you a copy.",
         "The direct debit went up because your usage over the winter was higher than forecast.",
         "I can spread the difference over the next twelve months so the payment goes up less.",
         "I've recorded a move-out date of Friday and I'll close the account from that day.",
         "Please take final readings on the morning you leave and send them through the app.",
         "The final bill will be emailed to you within two weeks of the move-out date.",
         "The smart meter hasn't sent a reading since the tenth, so I'll arrange a remote reset.",
         "If the reset doesn't work, we'll book a technician visit free of charge.",
         "Your tariff is fixed until June, so the price cap doesn't change your rates.",
         "I've updated the forwarding address for the final bill.", "The reset usually takes about an hour."),
    ),
    Domain(
        "insurance",
        ("Hi, I need to make a claim, someone reversed into my car in a car park yesterday.",
         "Hello, my home insurance renewal has gone up a lot and I'd like to understand it.",
         "Hi, I'm going abroad next week and I want to check whether my travel policy covers skiing.",
         "Hello, I'd like to add my daughter as a named driver on my policy."),
        ("It happened in the supermarket car park around five.", "I've got the other driver's details here.",
         "The rear bumper is dented and one light is smashed.", "The renewal is two hundred pounds more.",
         "I haven't made any claims in the last five years.", "We're going to Austria for a week.",
         "She's nineteen and passed her test last month.", "Would that change my excess?",
         "Okay, so what do I need to send you?", "That's really helpful.", "Can I pay the difference monthly?",
         "Do you need a copy of her licence?"),
        ("I've opened a claim and your claim number will be sent to you by email.",
         "As the other driver has admitted fault, we'll recover the costs from their insurer.",
         "I can arrange a courtesy car while yours is being repaired.",
         "The renewal price went up because repair costs in your area have risen this year.",
         "I've applied your no claims discount, which brings the renewal down by forty pounds.",
         "Your travel policy covers winter sports, but only if you added the winter sports extension.",
         "I can add the winter sports extension now for twenty two pounds.",
         "Adding your daughter will increase the premium, and I'll give you the exact figure in a moment.",
         "Young drivers carry a higher excess of three hundred pounds on this policy.",
         "You can spread the extra premium over the remaining months of the policy.",
         "Please upload a photo of the damage through the claims portal.",
         "We don't need a copy of the licence, I can check it online with her permission."),
    ),
]

AGENT_FILLER = ("Let me just bring that up for you.", "Thank you for confirming that.", "Okay, I understand.",
                "Right, I can see that here.", "Everything is updated for you now.", "I'll make a note of that.",
                "Of course.", "Certainly.", "Just to confirm, that's the one ending four four one two?",
                "Perfect, thank you.", "I'll explain what happens next.", "Absolutely, that's no trouble.")
CUSTOMER_FILLER = ("Okay.", "Right.", "Yes, that's right.", "Yeah, okay.", "Sure.", "Mm-hmm.", "Great.",
                   "Yes please.", "Oh, I see.", "Ah, okay, thanks.", "That's fine.", "Yep.", "No, that's it.")
ASR_FILLERS = ("um", "uh", "er")


@dataclass
class Call:
    call_id: str
    meta: dict
    turns: list[tuple[str, str]] = field(default_factory=list)
    truth: dict[str, str] = field(default_factory=dict)


def _typo(word: str, rng: random.Random) -> str:
    """One speech-recognition slip in a word of five letters or more: a letter dropped, doubled or swapped."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def _split_compound(company: str) -> str:
    """ASR splits invented brand names: "ShopNest" -> "shop nest"."""
    out = []
    for word in company.split():
        cut = next((i for i in range(1, len(word)) if word[i].isupper()), None)
        out.append(f"{word[:cut]} {word[cut:]}" if cut else word)
    return " ".join(out).lower()


def _noise(text: str, rng: random.Random) -> str:
    """The long tail of real calls: reference numbers, amounts, names, and an occasional misheard word."""
    words = [(_typo(w, rng) if rng.random() < 0.03 else w) for w in text.split()]
    r = rng.random()
    if r < 0.08:
        words += ["The", "reference", "is", f"{rng.choice('ABCDEFGHKMNPRSTX')}{rng.randrange(10**5, 10**6)}."]
    elif r < 0.14:
        words += ["That", "comes", "to", f"£{rng.randrange(3, 900)}.{rng.randrange(100):02d}."]
    elif r < 0.18:
        words.insert(0, f"Mr {rng.choice(SURNAMES)},")
    return " ".join(words)


def _asr(text: str, rng: random.Random) -> str:
    """Lower case, no punctuation, sometimes a filler: how ASR output without formatting reads."""
    words = "".join(ch for ch in text.lower() if ch.isalnum() or ch in " '").split()
    if words and rng.random() < 0.3:
        words.insert(rng.randrange(len(words) + 1), rng.choice(ASR_FILLERS))
    return " ".join(words)


def _mode(rng: random.Random, absent: float) -> str:
    r = rng.random()
    if r < absent:
        return "absent"
    r = (r - absent) / (1 - absent)
    return "verbatim" if r < 0.55 else "paraphrase" if r < 0.8 else "asr"


def _fill(template: str, slots: dict[str, str]) -> str:
    return template.format(**slots)


def _sentence(parts: list[str]) -> str:
    text = ", ".join(p for p in parts if p)
    return text[:1].upper() + text[1:] if text else text


def make_call(index: int, rng: random.Random) -> Call:
    domain = rng.choice(DOMAINS)
    company = rng.choice(COMPANIES[domain.name])
    name = rng.choice(AGENT_NAMES)
    agent_no = rng.randrange(400)
    day = 1 + index % 28
    call = Call(
        call_id=f"call-{index:07d}",
        meta={"agent_id": f"A{agent_no:03d}", "team": domain.name.capitalize(), "date": f"2026-11-{day:02d}",
              "language": "en", "company": company, "agent_name": name, "channel": "phone"},
    )
    asr_call = rng.random() < 0.25  # the whole call is unformatted ASR text
    slots = {"company": company, "company_split": _split_compound(company),
             "company_typo": _typo(company.split()[0], rng) + company[len(company.split()[0]):],
             "name": name, "name_typo": _typo(name, rng) if len(name) >= 5 else name.lower() + "h"}
    agent_lines: list[tuple[str, str]] = []

    # Opening: up to two agent turns (ASR splits the opening at pauses).
    parts = []
    for rule, table, absent in (("greeting.salutation", SALUTATION, 0.12), ("greeting.company", COMPANY, 0.12),
                                ("greeting.agent-name", AGENT_NAME, 0.15), ("greeting.offer-help", OFFER_HELP, 0.12)):
        mode = _mode(rng, absent)
        call.truth[rule] = "fail" if mode == "absent" else "pass"
        parts.append("" if mode == "absent" else _fill(rng.choice(table[mode]), slots))
    if parts[1].lower().startswith(("welcome", "thank")):
        # "Welcome to Acme Bank" and "Thank you for calling Acme Bank" greet the caller too.
        call.truth["greeting.salutation"] = "pass"
    if not any(parts):
        parts = ["Yes?"]
    if rng.random() < 0.3 and len([p for p in parts if p]) > 2:
        cut = rng.randrange(1, 3)
        agent_lines += [("agent", _sentence(parts[:cut]) + "."), ("agent", _sentence(parts[cut:]))]
    else:
        agent_lines.append(("agent", _sentence(parts)))
    call.turns += agent_lines
    if call.truth["greeting.company"] == "fail" and rng.random() < 0.3:
        # Decoy: the customer names the company; the agent still did not.
        call.turns.append(("customer", f"Hello, is that {company}?"))
        call.turns.append(("agent", "Yes, that's right."))

    # Body: the request, then exchanges until the call is long enough.
    target_words = rng.randint(600, 1420)
    long_turns = rng.uniform(0.1, 0.9)  # some agents explain at length, others in short turns
    call.turns.append(("customer", rng.choice(domain.requests)))
    if rng.random() < 0.85:
        call.turns += [("agent", rng.choice(VERIFY)),
                       ("customer", f"It's {rng.choice(AGENT_NAMES)} {rng.choice(SURNAMES)}, "
                                    f"{rng.randrange(1, 29)} {rng.choice(['March', 'June', 'October'])} 19{rng.randrange(50, 99)}.")]
    forbidden_mode = _mode(rng, 0.8)  # most agents never say a forbidden phrase
    forbidden_mode = "verbatim" if forbidden_mode == "paraphrase" else forbidden_mode
    call.truth["answering.no-forbidden"] = "pass" if forbidden_mode == "absent" else "fail"
    forbidden_at = rng.randrange(4, 30)
    decoys = rng.sample(FORBIDDEN_DECOYS, k=rng.randrange(0, 3))
    hold_at = rng.randrange(8, 30) if rng.random() < 0.15 else -1
    words = sum(len(t.split()) for _, t in call.turns)
    step = 0
    while words < target_words:
        step += 1
        if step == hold_at:
            call.turns += [("agent", "May I put you on hold for a moment while I check that?"), ("customer", "Sure."),
                           ("agent", "Thank you for waiting, I have the details now.")]
        if step == forbidden_at and forbidden_mode != "absent":
            line = rng.choice(FORBIDDEN[forbidden_mode])
            call.turns.append(("agent", line))
        elif decoys and rng.random() < 0.1:
            call.turns.append(("agent", decoys.pop()))
        elif step == 6 and rng.random() < 0.1:
            # Decoy: thanks for calling mid-call is not the closing's thanks.
            call.turns.append(("agent", "Thanks for calling about this before the deadline, it makes it easier."))
        customer = _noise(rng.choice(domain.customer), rng) if rng.random() < 0.7 else rng.choice(CUSTOMER_FILLER)
        agent = rng.choice(domain.agent) if rng.random() < 0.75 else rng.choice(AGENT_FILLER)
        if rng.random() < long_turns:
            agent += " " + rng.choice(domain.agent)
        agent = _noise(agent, rng)
        call.turns += [("customer", customer), ("agent", agent)]
        words = sum(len(t.split()) for _, t in call.turns)
        if len(call.turns) > 110:
            break

    # Closing: anything else -> customer -> thanks + farewell -> customer goodbye (sometimes first).
    modes = {rule: _mode(rng, absent) for rule, absent in
             (("closing.anything-else", 0.15), ("closing.thanks", 0.15), ("closing.farewell", 0.1))}
    for rule, mode in modes.items():
        call.truth[rule] = "fail" if mode == "absent" else "pass"
    if modes["closing.anything-else"] != "absent":
        call.turns.append(("agent", _fill(rng.choice(ANYTHING_ELSE[modes["closing.anything-else"]]), slots)))
        call.turns.append(("customer", rng.choice(["No, that's everything, thanks.", "No, that's all.",
                                                   "No, you've been really helpful, thank you."])))
    else:
        call.turns.append(("customer", "Okay, I think that covers it, thanks for your help."))
    if rng.random() < 0.3:
        call.turns.append(("customer", "Thanks for your help, goodbye."))  # the customer says goodbye first
    final = []
    if modes["closing.thanks"] != "absent":
        final.append(_fill(rng.choice(THANKS[modes["closing.thanks"]]), slots))
    elif rng.random() < 0.5:
        final.append(rng.choice(BARE_THANKS))
    if modes["closing.farewell"] != "absent":
        final.append(_fill(rng.choice(FAREWELL[modes["closing.farewell"]]), slots))
    call.turns.append(("agent", " ".join(final) if final else "Okay, you're all set then."))
    if rng.random() < 0.7:
        call.turns.append(("customer", rng.choice(["Bye.", "Thanks, bye.", "You too, bye.", "Cheers, bye bye."])))
    if asr_call:
        call.turns = [(speaker, _asr(text, rng) or text) for speaker, text in call.turns]
    if rng.random() < 0.1:
        # Diarised ASR without channel roles: callqa must tell the agent from the dialogue.
        labels = {"agent": "spk_0", "customer": "spk_1"}
        call.turns = [(labels[speaker], text) for speaker, text in call.turns]
    return call


def to_json(call: Call, rng: random.Random) -> dict:
    """callqa's JSON layout, with turn timestamps as an ASR export gives them."""
    clock = round(rng.uniform(0.3, 1.5), 2)
    turns = []
    for i, (speaker, text) in enumerate(call.turns):
        duration = 0.33 * max(1, len(text.split())) + rng.uniform(0.2, 0.8)
        turns.append({"speaker": speaker, "text": text, "start": round(clock, 2), "end": round(clock + duration, 2)})
        clock += duration + rng.uniform(0.3, 1.6)
        if i + 1 < len(call.turns) and call.turns[i + 1][1].lower().startswith("thank you for waiting"):
            clock += rng.uniform(40, 120)  # the hold itself
    return {"call_id": call.call_id, **call.meta, "turns": turns}


CALLS_DIR = "calls"


def generate(n: int, out_dir: str | Path, seed: int = 7) -> dict[str, dict[str, str]]:
    """Write `n` calls as one JSON file each under out_dir/calls/<date>/, and out_dir/truth.json."""
    root = Path(out_dir)
    out = root / CALLS_DIR
    rng = random.Random(seed)
    truth: dict[str, dict[str, str]] = {}
    for i in range(n):
        call = make_call(i, rng)
        folder = out / call.meta["date"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{call.call_id}.json").write_text(json.dumps(to_json(call, rng), ensure_ascii=False), encoding="utf-8")
        truth[call.call_id] = call.truth
    (root / TRUTH_FILE).write_text(json.dumps(truth, indent=0, sort_keys=True), encoding="utf-8")
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    generate(args.calls, args.out, args.seed)
    print(f"{args.calls} calls and {TRUTH_FILE} written to {args.out}")


if __name__ == "__main__":
    main()
