"""The rule-pack file format, as pydantic models: YAML data in, validated objects (or located errors) out.

Unknown keys are errors (extra="forbid"); enums feed their allowed values into the error messages.
"""
from __future__ import annotations

import re
from enum import Enum
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..models import Severity

STAGES = ("greeting", "transfer", "answering", "difficult_client", "closing")
RULE_ID_PREFIX = {"GR": "greeting", "TR": "transfer", "AN": "answering", "DC": "difficult_client", "CL": "closing", "GN": None}
# Variables every pack may use in formulas and messages, filled per call.
BUILTIN_VARIABLES = ("company", "agent_name")
WILDCARD = "*"  # `{*}` in a formula: one to four words of anything ("transfer you to {*}")
MESSAGE_PLACEHOLDERS = (
    "rule_id", "name", "stage", "score", "evidence", "expected", "suggest", "found",
    "count", "min", "max", "max_s", "hold_s", "silence_s", "delay_s", "threshold", "missing",
)

_SLOT_RE = re.compile(r"\{([^{}]*)\}")


class CheckType(str, Enum):
    REQUIRED = "required"
    FORBIDDEN = "forbidden"
    ORDER = "order"
    COUNT = "count"
    MAX_HOLD = "max_hold"
    MAX_SILENCE = "max_silence"
    MAX_DELAY = "max_delay"


class RuleRole(str, Enum):
    AGENT = "agent"
    CUSTOMER = "customer"
    ANY = "any"


class Anchor(str, Enum):
    STAGE_START = "stage_start"
    STAGE_END = "stage_end"
    CALL_START = "call_start"
    CALL_END = "call_end"
    TRIGGER = "trigger"  # the turn that made a situational rule applicable, or an episode's announcement
    RETURN = "return"  # the agent's first turn after a hold


class EpisodeKind(str, Enum):
    HOLD = "hold"
    TRANSFER = "transfer"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class RegexFormula(Strict):
    regex: str

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        return value


Formula = Union[str, RegexFormula]


class Group(Strict):
    """One element of `all_of`: any of these alternatives satisfies the group."""

    any_of: list[Formula] = Field(min_length=1)
    label: str | None = None
    threshold: float | None = Field(default=None, ge=0, le=100)
    # The group is also said when the rule's role repeats a number (five digits or more, in digits or
    # in words) that the other side gave earlier: a phone number read back needs no set phrase.
    read_back: bool = False
    # The caller declining this group's match (the other side's reply opens with one of the rule's
    # `declined_by`: "No, don't worry, I'll call back") fulfils the rule: the offer was made and refused,
    # so nothing is left to read back.
    declinable: bool = False


class Cue(Strict):
    role: RuleRole = RuleRole.ANY
    any_of: list[Formula] = Field(min_length=1)
    threshold: float | None = Field(default=None, ge=0, le=100)
    # In a rule's `when`: the rule's own formulas, said by its role, also make it applicable (an
    # agent who asks for the date of birth is about to disclose account details, however phrased).
    own_formulas: bool = False
    # With own_formulas: ids of rules after whose trigger a question of the rule's own is no sign of it
    # (the caller's name and number taken for a message disclose nothing).
    not_after: list[str] | None = None
    # Only where the cue is affirmed: not right after a negation, not under a condition other than
    # the caller's wish ("if it drops again, we'll send an engineer" arranges no visit).
    affirmed: bool = False
    # With own_formulas: one of the rule's own questions asked later in the cue's turn fails the rule
    # there ("I can see £212 outstanding. Can I just confirm your postcode?": disclosed mid-check).
    complete_first: bool = False
    # A turn that also says one of these is no cue ("I'm not complaining, but may I speak to your
    # supervisor?" asks for a manager without being upset).
    exceptions: list[Formula] = Field(default_factory=list)
    # In a rule's `when`: a cue the caller turns down in one of their next two turns ("I could book an
    # engineer" / "Nah, I won't bother") arranged nothing; a later cue may still apply the rule.
    declined_by: list[Formula] = Field(default_factory=list)
    # With own_formulas: the other side passing the phone to someone else ("Hang on, I'll put her on",
    # "Лен, возьми трубку"). What is disclosed after it needs one of the rule's own questions after it too.
    handover_by: list[Formula] = Field(default_factory=list)
    # In an answering rule's `when`: the cue counts in the opening too, in a turn that reads out a figure
    # (a call the agent places may read the order and the amount due before knowing who answered).
    from_call_start: bool = False


class Window(Strict):
    from_: Anchor = Field(default=Anchor.STAGE_START, alias="from")
    to: Anchor | None = None
    turns: int | None = Field(default=None, ge=1, le=1000)
    seconds: float | None = Field(default=None, gt=0)
    # The rule's role's turns among this many turns just before a trigger or return anchor count too
    # (an apology said to the first signs of an upset the cue is found a turn later).
    before: int | None = Field(default=None, ge=1, le=10)
    # The rule's role's first this many turns after the stage count too (a name the agent gives in
    # the first answer, right after an opening the caller broke into with the request).
    after: int | None = Field(default=None, ge=1, le=3)

    @model_validator(mode="after")
    def _before_needs_an_event(self) -> "Window":
        if self.before and self.from_ not in (Anchor.TRIGGER, Anchor.RETURN):
            raise ValueError("'before' needs a window 'from: trigger' or 'from: return'; "
                             f"this window is from {self.from_.value}")
        return self

    @model_validator(mode="after")
    def _after_needs_a_stage(self) -> "Window":
        if self.after and (self.from_ is not Anchor.STAGE_START or self.to is not None):
            raise ValueError("'after' extends a window over its stage from stage_start (with no 'to'); "
                             f"this window is from {self.from_.value}" + (f" to {self.to.value}" if self.to else ""))
        return self


class Examples(Strict):
    pass_: list[str] = Field(alias="pass", min_length=1)
    fail: list[str] = Field(min_length=1)
    not_applicable: list[str] = Field(default_factory=list)


class Rule(Strict):
    id: str
    name: str
    check: CheckType
    message: str
    description: str = ""
    role: RuleRole = RuleRole.AGENT
    severity: Severity = Severity.ERROR
    weight: float = Field(default=1.0, gt=0, le=100)
    threshold: float | None = Field(default=None, ge=0, le=100)
    window: Window | None = None
    any_of: list[Formula] | None = None
    all_of: list[Group] | None = None
    exceptions: list[Formula] = Field(default_factory=list)
    # required: a match that the other side's next turn opens by declining ("I don't have it on me")
    # does not count: a security question the caller could not answer verified no one. Nor, for such
    # questions, does a match followed at once by the value ("your account number 40 11 92 ..."):
    # that reads it out from the record.
    declined_by: list[Formula] = Field(default_factory=list)
    # required: a match after which the rule's own role, once the other side has answered, opens its
    # next turn by finding the answer wrong ("That's not what I have here", "Кодовое слово не
    # совпадает") does not count either: a security question answered wrongly verified no one.
    rejected_by: list[Formula] = Field(default_factory=list)
    suggest: str | None = None
    # required, in a transfer episode: a transfer the caller asked for just before the agent announced
    # it (the transfer stage's `request_cues`) passes, since the caller gave the permission asked for.
    passes_on_request: bool = False
    # forbidden: the formulas of these forbidden rules are forbidden here too, with their exceptions
    # ("I don't know" with no offer to find out is forbidden anywhere, and blames an upset caller).
    also_forbids: list[str] | None = None
    when: Cue | None = None
    applies_to: list[EpisodeKind] | None = None
    sequence: list[str] | None = None
    of: str | None = None  # max_delay: the rule whose match must come in time
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    max_s: float | None = Field(default=None, gt=0)
    examples: Examples

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{2}\d{2}", value) or value[:2] not in RULE_ID_PREFIX:
            raise ValueError(
                f"rule id {value!r} must be two letters and two digits with a prefix of "
                + ", ".join(RULE_ID_PREFIX)
            )
        return value

    @field_validator("name")
    @classmethod
    def _name_shape(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z_]+(\.[a-z0-9_-]+)+", value):
            raise ValueError(f"rule name {value!r} must be dotted lowercase, e.g. 'greeting.salutation'")
        return value

    @model_validator(mode="after")
    def _check_fields(self) -> "Rule":
        need = {
            CheckType.REQUIRED: ("any_of or all_of", self.any_of or self.all_of),
            CheckType.FORBIDDEN: ("any_of", self.any_of),
            CheckType.ORDER: ("sequence (two or more rule ids)", self.sequence and len(self.sequence) >= 2),
            CheckType.COUNT: ("any_of and min or max", self.any_of and (self.min is not None or self.max is not None)),
            CheckType.MAX_HOLD: ("max_s", self.max_s),
            CheckType.MAX_SILENCE: ("max_s", self.max_s),
            CheckType.MAX_DELAY: ("of (a rule id) and max_s", self.of and self.max_s),
        }
        what, ok = need[self.check]
        if not ok:
            raise ValueError(f"check '{self.check.value}' needs {what}")
        if self.any_of and self.all_of:
            raise ValueError("give either any_of or all_of, not both")
        if self.also_forbids and self.check is not CheckType.FORBIDDEN:
            raise ValueError(f"also_forbids belongs to forbidden rules; this rule's check is {self.check.value!r}")
        return self


class DialogueTest(Strict):
    name: str
    call: str
    metadata: dict[str, Any] = Field(default_factory=dict)
    expect: dict[str, Literal["pass", "fail", "not_applicable"]]


class Segment(Strict):
    """Segmentation cues and limits of one stage (which keys apply depends on the stage)."""

    max_agent_turns: int | None = Field(default=None, ge=1, le=50)
    cues: Cue | None = None
    hold_cues: Cue | None = None
    transfer_cues: Cue | None = None
    wait_cues: Cue | None = None
    hold_threshold_s: float | None = Field(default=None, gt=0)
    start_cues: Cue | None = None
    # greeting: what the agent asks before the request, calling the customer ("Am I speaking with Mr
    # Lee?", "Is now a good time?") or asking who calls ("May I take your name?"): the caller's short
    # answer does not end the opening.
    call_out_cues: Cue | None = None
    # greeting: what a caller says asking for another language ("Sorry, do you speak English?", "Vorbiți
    # românește?"): the opening goes on in the agent's next turn, which greets again in that language.
    language_cues: Cue | None = None
    # difficult_client: what the agent says only to an upset caller ("please calm down", "it's not our
    # fault"); the episode starts at the caller's turn just before it, whose upset no cue of its own named.
    agent_start_cues: Cue | None = None
    calm_cues: Cue | None = None
    max_turns: int | None = Field(default=None, ge=1, le=200)
    max_gap_turns: int | None = Field(default=None, ge=0, le=50)
    cutoff_cues: Cue | None = None
    # transfer: what an agent says leaving the caller with a colleague on a warm transfer ("I'll leave
    # you with Mark now"): said in the agent's last turn, the call ends in a transfer.
    handoff_cues: Cue | None = None
    # transfer: what an agent says introducing the caller to the colleague on a warm transfer ("I've got
    # Mr Reid on the line"): said after a transfer's announcement, the turn is no return from a hold,
    # and no rule judges it, since it is not said to the caller.
    briefing_cues: Cue | None = None
    # transfer: what a caller says asking to be put through ("Can you put me through to him?"): a
    # transfer the agent then announces was the caller's own wish, which rules marked
    # `passes_on_request` take as the permission they ask for.
    request_cues: Cue | None = None
    # transfer: what a caller left on the line says after the agent's last words, a bare wait ("One
    # moment." / "Hello? Is this music?", "it's ringing", "where are you putting me?"): the agent
    # handed the call on unannounced, so the call ends in a transfer.
    left_waiting_cues: Cue | None = None
    # transfer: ids of rules whose trigger, said by the agent within a few turns of a transfer's
    # announcement, means it never happened ("I'll put you through to billing" / "I'm afraid billing
    # are all in a meeting, can I take a message?").
    cancelled_by: list[str] | None = None
    # closing: ids of rules whose formulas are `cues` too, so that the stage is found from what its
    # rules expect ("have a lovely weekend" is a farewell the rule takes, and so a closing cue).
    cues_from: list[str] | None = None


class StageFile(Strict):
    stage: Literal["greeting", "transfer", "answering", "difficult_client", "closing", "general"]
    description: str = ""
    segment: Segment = Field(default_factory=Segment)
    rules: list[Rule] = Field(default_factory=list)
    tests: list[DialogueTest] = Field(default_factory=list)


class Defaults(Strict):
    threshold: float = Field(default=80, ge=0, le=100)
    forbidden_threshold: float = Field(default=90, ge=0, le=100)
    cue_threshold: float = Field(default=80, ge=0, le=100)


class Roles(Strict):
    """Speaker labels that name a role, and what tells the roles apart when labels do not."""

    agent: list[str] = Field(default_factory=list)
    customer: list[str] = Field(default_factory=list)
    other: list[str] = Field(default_factory=list)
    # Rules whose formulas only an agent says (not greetings or goodbyes, which both sides say).
    infer_from: list[str] = Field(default_factory=list)
    agent_phrases: list[Formula] = Field(default_factory=list)
    customer_phrases: list[Formula] = Field(default_factory=list)


class Manifest(Strict):
    language: str = Field(pattern=r"^[a-z]{2,3}$")
    name: str
    version: str | int = 1
    description: str = ""
    files: list[str] = Field(min_length=1)
    roles: Roles = Field(default_factory=Roles)
    variables: dict[str, str | None] = Field(default_factory=dict)
    defaults: Defaults = Field(default_factory=Defaults)
    fail_on: Severity = Severity.ERROR
    spacy_model: str | None = None


def slots_in(text: str) -> list[str]:
    return _SLOT_RE.findall(text)

