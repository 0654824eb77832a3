"""Text normalisation per language: raw turn text in, a list of comparable word tokens out.

Everything language-specific about spelling lives in `LANGUAGES`: a new language adds one entry
(character folds and filler words) and, if it has one, a lemmatizer in nlp.py.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LanguageSpelling:
    # Characters that mean the same letter (ё/е, Romanian cedilla vs comma-below).
    char_folds: dict[str, str] = field(default_factory=dict)
    # Hesitations that ASR and transcribers write out; dropped before matching.
    fillers: frozenset[str] = frozenset()
    # Vowel letters (after fold_diacritics) that sound_key() drops: speech recognition confuses vowels
    # far more often than consonants ("cool" for "call", "dey" for "day", "спосибо" for "спасибо").
    vowels: str = "aeiou"
    # Words that negate what follows ("I can't put you through", "не могу вас переключить"): a cue said
    # right after one is not what it says.
    negations: frozenset[str] = frozenset()
    # Negation words that are also another common word (Bulgarian "ни": "nor", but also "us" in
    # "благодарим, че ни потърсихте"): they still negate a cue after them, but a formula does not
    # need them said.
    ambiguous_negations: frozenset[str] = frozenset()
    # Imperatives that make a sentence a request without a question mark ("Назовите код бронирования",
    # "Confirm your date of birth."): it asks as a question does. Not "please": "please have your
    # policy number ready" asks nothing yet.
    requests: frozenset[str] = frozenset()
    # Degree words ("very", "really", "molto", "очень"): a speaker slips them into any formula without
    # changing what it says ("thank you very much for holding", "I'm quite annoyed"), so a formula is
    # compared without its own and the spoken ones cost nothing where they come between its words.
    # Not words that also do other work ("so, your number is", "так положено").
    light_words: frozenset[str] = frozenset()
    # Hedges and fillers ("just", "basically", "so", "как бы", "practic"): as free between a formula's
    # words as degree words, but kept in formulas, where some of them carry the meaning.
    hedges: frozenset[str] = frozenset()
    # Prefixes that turn a word into its opposite ("ненормально", "unnecessary", "inaccettabile"): a
    # word and its negated form are spelled alike, but one never stands for the other.
    negating_prefixes: tuple[str, ...] = ()
    # Words that open a condition ("if she's busy, I'll put you through to her deputy"): a cue after one
    # in its sentence is a plan, not an announcement, unless the condition is the caller's wish, said
    # with one of `consent_words` ("if you like, I'll transfer you").
    conditionals: frozenset[str] = frozenset()
    consent_words: frozenset[str] = frozenset()
    # Words of a question asking whether the caller objects ("do you mind if I put you on hold?",
    # "не возражаете?"): a "no" in reply agrees.
    objection_words: frozenset[str] = frozenset()
    # Spellings of one sound, made one before consonants are compared ("щита" is a misheard "счёта").
    sound_folds: tuple[tuple[str, str], ...] = ()
    # Words that offer a choice ("the account number or your date of birth"): a caller who declines
    # one of the details asked for may give the other.
    alternatives: frozenset[str] = frozenset()
    # Answers that turn an offer down without being a negation inside a sentence: Italian negates
    # with "non", but the caller's "No, adesso no" declines a transfer.
    refusals: frozenset[str] = frozenset()
    # Exclamations that open a reply without answering yet ("Oh, no, I can't", "Ой нет, я не могу"):
    # the answer is read after them.
    interjections: frozenset[str] = frozenset()
    # Words that only lead into a no ("да нет, не надо" is a plain no in Russian): before a negation,
    # the answer is read after them.
    no_leads: frozenset[str] = frozenset()
    # Saying one cannot ("I can't", "не могу"): a reply to "would you mind if I put you on hold?" that
    # says it early turns the hold down, though its "no" would agree.
    unable: tuple[str, ...] = ()
    # Transcribers' marks for words nobody could make out ("[inaudible]", "[неразборчиво]"): a slot
    # ("you're speaking with {*}") never takes one for the words it stands for.
    unintelligible: frozenset[str] = frozenset()

    @property
    def free_words(self) -> frozenset[str]:
        """Words said between a formula's words at no cost."""
        return self.light_words | self.hedges


# Words that make a leading "no" an agreement ("No problem", "нет проблем", "няма проблем", "No worries").
AGREEING_PREFIXES = ("problem", "проблем", "worries")

_COMMON_FILLERS = {"um", "umm", "uh", "uhh", "uh-huh", "hmm", "hm", "mm", "mmm", "er", "erm", "ehm", "ah"}
# Transcribers' marks for speech nobody could make out, in English in every language's transcripts too.
_UNINTELLIGIBLE = {"inaudible", "unintelligible", "indistinct", "unclear", "crosstalk", "unk"}

LANGUAGES: dict[str, LanguageSpelling] = {
    "en": LanguageSpelling(
        alternatives=frozenset({"or"}),
        fillers=frozenset(_COMMON_FILLERS),
        negations=frozenset({"not", "never", "no", "unable", "cannot", "can't", "won't", "don't", "doesn't", "isn't",
                             "aren't", "wasn't", "couldn't", "wouldn't", "shouldn't", "didn't", "haven't", "nobody", "nothing",
                             "nope", "nah"}),
        requests=frozenset({"confirm", "provide", "spell", "give"}),
        light_words=frozenset({"very", "really", "much", "quite", "truly", "extremely", "terribly", "awfully",
                               "incredibly", "ever", "completely", "totally", "absolutely"}),
        hedges=frozenset({"so", "just", "basically", "actually", "literally", "like"}),
        negating_prefixes=("un", "in", "im", "dis", "non"),
        conditionals=frozenset({"if", "unless"}),
        consent_words=frozenset({"you", "you'd", "you're", "you've", "alright", "okay", "ok", "fine", "mind"}),
        objection_words=frozenset({"mind"}),
        interjections=frozenset({"oh", "ooh", "aw", "ahh", "oops"}),
        unable=("i can't", "i cannot", "i can not", "i won't be able"),
        unintelligible=frozenset(_UNINTELLIGIBLE),
        # A silent "gh" after a vowel ("sky weigh" is a misheard Skyway).
        sound_folds=(("eigh", "ay"), ("igh", "i")),
    ),
    "ru": LanguageSpelling(
        alternatives=frozenset({"или", "либо"}),
        char_folds={"ё": "е"},
        vowels="аеиоуыэюяьъ",
        negations=frozenset({"не", "нет", "нельзя", "никак", "никого", "ни", "никто", "ничего"}),
        light_words=frozenset({"очень", "весьма", "крайне", "действительно", "большое", "огромное"}),
        hedges=frozenset({"ну", "вот", "типа", "бы", "так", "просто", "значит", "короче"}),
        negating_prefixes=("не", "без", "бес"),
        conditionals=frozenset({"если"}),
        sound_folds=(("сч", "щ"), ("зч", "щ"), ("тс", "ц")),
        consent_words=frozenset({"хотите", "желаете", "вы", "вам", "возражаете", "против", "удобно"}),
        objection_words=frozenset({"возражаете", "против"}),
        interjections=frozenset({"ой", "ох", "ах", "эх", "ай", "а"}),  # "А, нет, не надо"
        no_leads=frozenset({"да"}),
        unable=("не могу", "не смогу", "не получится"),
        unintelligible=frozenset(_UNINTELLIGIBLE | {"неразборчиво", "неразб", "нрзб", "неразборчивое", "неслышно"}),
        requests=frozenset({"назовите", "продиктуйте", "подскажите", "скажите", "уточните", "подтвердите", "дайте"}),
        fillers=frozenset(_COMMON_FILLERS | {"э", "ээ", "эээ", "э-э", "э-э-э", "м", "мм", "ммм", "хм", "ну-у", "а-а"}),
    ),
    "bg": LanguageSpelling(
        alternatives=frozenset({"или"}),
        char_folds={"ѝ": "и"},
        vowels="аеиоуъюяь",
        negations=frozenset({"не", "няма", "нямам", "никак", "никого", "ни", "никой", "нищо"}),
        ambiguous_negations=frozenset({"ни"}),
        light_words=frozenset({"много", "наистина", "толкова", "изключително", "доста"}),
        hedges=frozenset({"просто", "такова", "примерно", "значи", "ами"}),
        negating_prefixes=("не", "без", "бес"),
        conditionals=frozenset({"ако"}),
        sound_folds=(("шт", "щ"),),
        consent_words=frozenset({"искате", "желаете", "обичате", "нямате", "против", "ви", "вие", "сте", "удобно"}),
        objection_words=frozenset({"против", "възразявате"}),
        interjections=frozenset({"ох", "ах", "ой", "леле", "олеле", "а"}),  # "А, не, не искам"
        unable=("не мога", "не бих могъл", "не бих могла", "няма как"),
        unintelligible=frozenset(_UNINTELLIGIBLE | {"неразбираемо", "неразбрано", "нечуваемо", "неясно"}),
        requests=frozenset({"кажете", "продиктувайте", "потвърдете", "посочете", "дайте", "кажи", "дай"}),
        fillers=frozenset(_COMMON_FILLERS | {"ъ", "ъъ", "ъъъ", "ъ-ъ", "ммм", "мм", "хм", "ами-и", "е-е"}),
    ),
    "it": LanguageSpelling(fillers=frozenset(_COMMON_FILLERS | {"ehm", "eh", "ehh", "mah", "cioè-è"}),
                           alternatives=frozenset({"oppure", "o", "od"}),
                           negations=frozenset({"non", "nessuno", "neanche", "nemmeno", "mai"}),
                           light_words=frozenset({"molto", "tanto", "davvero", "veramente", "proprio", "mille",
                                                  "infinitamente"}),
                           hedges=frozenset({"praticamente", "diciamo", "tipo", "cioè", "insomma", "ecco"}),
                           negating_prefixes=("in", "im", "dis", "s"),
                           conditionals=frozenset({"se", "qualora"}),
                           # "ne", "lo": "se ne occupa", "se lo desidera" are no conditions on the world.
                           consent_words=frozenset({"vuole", "desidera", "preferisce", "permette", "crede",
                                                    "accordo", "va", "lei", "ne", "lo"}),
                           objection_words=frozenset({"dispiace", "disturba"}),
                           refusals=frozenset({"no"}),
                           interjections=frozenset({"oh", "ahi", "ohi", "oddio", "uh"}),
                           unable=("non posso", "non riesco", "non ce la faccio"),
                           unintelligible=frozenset(_UNINTELLIGIBLE | {"incomprensibile", "inaudibile",
                                                                       "inintelligibile"}),
                           requests=frozenset({"dica", "dia", "confermi", "indichi", "detti", "serve"})),
    "ro": LanguageSpelling(
        alternatives=frozenset({"sau", "ori"}),
        char_folds={"ş": "ș", "ţ": "ț", "Ş": "ș", "Ţ": "ț"},
        fillers=frozenset(_COMMON_FILLERS | {"ă", "ăă", "ăăă", "ăăăă", "îî", "îîî", "ăm", "ăăm"}),
        negations=frozenset({"nu", "n-am", "n-o", "n-are", "n-avem", "nici", "nimeni"}),
        # A "k" (only in borrowed names: "NetLink") sounds as a hard "c", and speech recognition
        # writes one for the other ("net linc").
        sound_folds=(("k", "c"),),
        light_words=frozenset({"foarte", "mult", "chiar", "extrem", "frumos"}),
        hedges=frozenset({"practic", "cumva", "așa", "zicem", "deci", "adică", "păi"}),
        negating_prefixes=("ne", "in", "im"),
        conditionals=frozenset({"dacă", "daca"}),
        consent_words=frozenset({"doriți", "vreți", "sunteți", "vă", "dumneavoastră", "permiteți", "acord"}),
        objection_words=frozenset({"deranjează", "deranja", "deranjez", "supărați", "supăra"}),
        interjections=frozenset({"of", "vai", "aoleu", "oh"}),  # not "o", the article
        unable=("nu pot", "n-aș putea", "nu aș putea", "nu am cum", "n-am cum"),
        unintelligible=frozenset(_UNINTELLIGIBLE | {"neinteligibil", "inaudibil", "neclar", "indescifrabil"}),
        requests=frozenset({"spuneți", "dictați", "confirmați", "comunicați", "spuneți-mi", "dați-mi", "dictați-mi"}),
    ),
}
DEFAULT_SPELLING = LanguageSpelling(fillers=frozenset(_COMMON_FILLERS), unintelligible=frozenset(_UNINTELLIGIBLE))


def negated_form(a: str, b: str, prefixes: tuple[str, ...]) -> bool:
    """Whether one of two folded words is the other with a negating prefix ("ненормально"/"нормально"),
    in any ending ("indisponibilă"/"disponibil": the same stem, not a mishearing)."""
    if len(a) < len(b):
        a, b = b, a
    for p in prefixes:
        if not a.startswith(p):
            continue
        rest = a[len(p):]
        if rest == b:
            return True
        # Inflected: the stems agree but for the last two letters of the shorter word.
        stem = max(4, min(len(rest), len(b)) - 2)
        if len(b) >= 5 and abs(len(rest) - len(b)) <= 3 and rest[:stem] == b[:stem]:
            return True
    return False


# Words: letters/digits with inner apostrophes or hyphens ("don't", "e-mail", "l'assistenza").
_WORD_RE = re.compile(r"[^\W_]+(?:['’`][^\W_]+)*(?:-[^\W_]+)*", re.UNICODE)
# Italian/French-style elisions are split so that "l'assistenza" matches "assistenza".
_ELISION_RE = re.compile(r"^(?:l|d|un|dell|all|nell|sull|c|s|m|t|v|n|quest|quell|dall)['’](?=\w)", re.IGNORECASE)


def spelling_for(language: str) -> LanguageSpelling:
    return LANGUAGES.get(language, DEFAULT_SPELLING)


def normalize_text(text: str, language: str) -> str:
    """NFC, casefold and the language's letter folds; punctuation is left for tokenize()."""
    spelling = spelling_for(language)
    text = unicodedata.normalize("NFC", text).casefold()
    for src, dst in spelling.char_folds.items():
        text = text.replace(src.casefold(), dst)
    return text.replace("’", "'").replace("`", "'")


def tokenize(text: str, language: str) -> list[str]:
    """Normalised word tokens of `text`, fillers removed, elisions split (Italian)."""
    spelling = spelling_for(language)
    tokens: list[str] = []
    for word in _WORD_RE.findall(normalize_text(text, language)):
        if word in spelling.fillers:
            continue
        if language == "it":
            m = _ELISION_RE.match(word)
            if m:
                tokens.append(m.group(0)[:-1])
                word = word[m.end():]
        tokens.append(word)
    return tokens


def token_spans(text: str, language: str) -> list[tuple[str, int, int]]:
    """Like tokenize() but with character offsets into `text`, for evidence spans."""
    spelling = spelling_for(language)
    normalized = normalize_text(text, language)
    spans = []
    # NFC + casefold can change lengths (ß -> ss); fall back to token order without offsets then.
    same_length = len(normalized) == len(text)
    for m in _WORD_RE.finditer(normalized):
        word = m.group(0)
        if word in spelling.fillers:
            continue
        start, end = (m.start(), m.end()) if same_length else (-1, -1)
        if language == "it":
            elision = _ELISION_RE.match(word)
            if elision:
                cut = elision.end()
                spans.append((elision.group(0)[:-1], start, start + cut - 1 if same_length else -1))
                word, start = word[cut:], (start + cut if same_length else -1)
        spans.append((word, start, end))
    return spans


# Every byte that cannot be part of an ASCII word becomes a space; "\n" separates the turns of a call.
_ASCII_SEPARATORS = bytes(
    b if (chr(b).isalnum() or chr(b) in "'-\n") else 32 for b in range(128)
) + b" " * 128
_ASCII_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*(?:-[A-Za-z0-9]+)*")


def tokenize_many(texts: list[str], language: str) -> list[list[str]]:
    """The words of token_spans() for many texts (a call's turns) at once, without the offsets.

    ASCII turns (most of them, in most languages' ASR output) are lower-cased and split together in
    a few C-level passes (bytes.translate), several times faster than a regular expression per turn;
    other turns, and Italian (whose elisions are split), take token_spans() itself, so both give
    exactly the same words.
    """
    if language == "it" or _ascii_folds(language):
        return [[word for word, _, _ in token_spans(text, language)] for text in texts]
    ascii_turns = [i for i, text in enumerate(texts) if text.isascii() and "\n" not in text]
    out: list[list[str]] = [[] for _ in texts]
    if ascii_turns:
        joined = "\n".join([texts[i] for i in ascii_turns]).lower().replace("`", "'")
        chunks = joined.encode("ascii").translate(_ASCII_SEPARATORS).decode("ascii").split("\n")
        marked = "'" in joined or "-" in joined
        for i, chunk in zip(ascii_turns, chunks):
            words = chunk.split()
            out[i] = _split_marked(words) if marked and ("'" in chunk or "-" in chunk) else words
    if len(ascii_turns) != len(texts):
        fast = set(ascii_turns)
        for i, text in enumerate(texts):
            if i not in fast:
                out[i] = [word for word, _, _ in token_spans(text, language)]
    fillers = spelling_for(language).fillers
    return [words if fillers.isdisjoint(words) else [w for w in words if w not in fillers] for words in out]


@functools.lru_cache(maxsize=None)
def _ascii_folds(language: str) -> bool:
    """Whether the language folds an ASCII letter (the fast path only knows "`" -> "'")."""
    return any(src.isascii() for src in spelling_for(language).char_folds)


def token_spans_fast(text: str, language: str) -> list[tuple[str, int, int]]:
    """token_spans(), twice as fast for ASCII text (lower-casing keeps offsets; no letter folds)."""
    if language == "it" or not text.isascii() or _ascii_folds(language):
        return token_spans(text, language)
    fillers = spelling_for(language).fillers
    return [(m.group(0), m.start(), m.end()) for m in _ASCII_WORD_RE.finditer(text.lower().replace("`", "'"))
            if m.group(0) not in fillers]


def _split_marked(chunks: list[str]) -> list[str]:
    words: list[str] = []
    for chunk in chunks:
        if ("'" in chunk or "-" in chunk) and not _ASCII_WORD_RE.fullmatch(chunk):
            words.extend(_ASCII_WORD_RE.findall(chunk))
        else:
            words.append(chunk)
    return words


_MARKS_RE = re.compile(r"[\u0300-\u036f]")


def fold_diacritics(token: str) -> str:
    """Strip accents and apostrophes: ASR and Windows exports often drop them ("multumim", "dont")."""
    decomposed = unicodedata.normalize("NFD", token)
    stripped = _MARKS_RE.sub("", decomposed)
    # Cyrillic й decomposes to и + breve; keep Cyrillic letters whole, they are distinct letters.
    if any("\u0400" <= ch <= "\u04ff" for ch in token):
        stripped = token.replace("ё", "е")
    return unicodedata.normalize("NFC", stripped).replace("'", "").replace("-", "")


def sound_key(folded: str, language: str) -> str:
    """A word's consonant skeleton: its first letter, then its consonants with repeats merged
    ("call", "cool" -> "cl"; "day", "dey" -> "dy"). Empty for words with fewer than two such letters,
    which would sound alike to far too many others."""
    if len(folded) < 3:
        return ""
    spelling = spelling_for(language)
    vowels = spelling.vowels
    for written, sound in spelling.sound_folds:
        folded = folded.replace(written, sound)
    key = [folded[0]]
    for ch in folded[1:]:
        if ch not in vowels and ch != key[-1]:
            key.append(ch)
    return "".join(key) if len(key) >= 2 else ""
