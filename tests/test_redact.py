"""redact(): every pattern it masks, as people write and as ASR transcribes it, and what it must leave alone."""
from __future__ import annotations

import re

import pytest

from analyzer.redact import CARD, EMAIL, IBAN, PHONE, redact

MASKED = [
    # payment cards (Luhn-valid), written
    ("card-spaces", "my card is 4111 1111 1111 1111, expiry 12/27", CARD, "4111"),
    ("card-dashes", "it's 5500-0000-0000-0004 thanks", CARD, "5500"),
    ("card-compact", "card 4012888888881881 please", CARD, "4012888888881881"),
    ("card-amex-15", "amex 3782 822463 10005", CARD, "822463"),
    ("card-mixed-digits-and-words", "4111 1111 one one one one 1111", CARD, "1111"),
    # payment cards spoken, one language each
    ("card-en-words", "the number is four one one one one one one one one one one one one one one one", CARD, "four one"),
    ("card-en-double", "four one double one, one one one one, one one one one, one one one one", CARD, "double"),
    ("card-ru-words", "номер карты четыре один один один один один один один один один один один один один один один",
     CARD, "четыре один"),
    ("card-ru-groups", "карта сорок один одиннадцать, одиннадцать одиннадцать, одиннадцать одиннадцать, "
                       "одиннадцать одиннадцать", CARD, "сорок"),
    ("card-bg-words", "картата е четири едно едно едно едно едно едно едно едно едно едно едно едно едно едно едно",
     CARD, "четири едно"),
    ("card-it-words", "la carta è quattro uno uno uno uno uno uno uno uno uno uno uno uno uno uno uno", CARD, "quattro"),
    ("card-ro-words", "cardul este patru unu unu unu unu unu unu unu unu unu unu unu unu unu unu unu", CARD, "patru"),
    # phones, written in each country's usual format
    ("phone-ru-plus7", "call me on +7 (495) 123-45-67 please", PHONE, "495"),
    ("phone-ru-8", "мой номер 8 (495) 123-45-67", PHONE, "495"),
    ("phone-ru-mobile", "номер 8 916 123 45 67", PHONE, "916"),
    ("phone-ru-local", "городской 123-45-67", PHONE, "123-45-67"),
    ("phone-us-local", "extension line 555-1234", PHONE, "1234"),
    ("phone-bg-intl", "телефонът е +359 88 123 4567", PHONE, "4567"),
    ("phone-bg-national", "номерът ми е 0888 123 456", PHONE, "0888"),
    ("phone-bg-sofia", "+359 2 987 6543 е в София", PHONE, "987"),
    ("phone-it-landline", "il numero è +39 06 1234 5678", PHONE, "5678"),
    ("phone-it-mobile", "mi chiami al 333 123 4567", PHONE, "333"),
    ("phone-ro-intl", "numărul meu este +40 721 234 567", PHONE, "721"),
    ("phone-ro-national", "sunați la 0721 234 567", PHONE, "0721"),
    ("phone-uk-mobile", "my number is 07700 900123", PHONE, "900123"),
    ("phone-uk-intl", "or +44 20 7946 0958", PHONE, "7946"),
    ("phone-us-parens", "reach me at (555) 123-4567 tonight", PHONE, "555"),
    ("phone-us-dashes", "it's 555-123-4567", PHONE, "4567"),
    ("phone-dots", "555.123.4567 works", PHONE, "4567"),
    ("phone-00-prefix", "0040 721 234 567", PHONE, "721"),
    # phones spoken, in each language
    ("phone-en-words", "oh seven seven double oh nine double oh one two three", PHONE, "seven"),
    ("phone-en-plus", "plus four four seven seven zero zero nine zero zero one two three", PHONE, "plus"),
    ("phone-ru-words", "плюс семь девятьсот шестнадцать сто двадцать три сорок пять шестьдесят семь", PHONE, "шестнадцать"),
    ("phone-ru-digits", "восемь девять один шесть один два три четыре пять шесть семь", PHONE, "девять"),
    ("phone-bg-words", "нула осем осем осем, сто двадесет и три, четиристотин петдесет и шест", PHONE, "осем"),
    ("phone-bg-colloquial-tens", "нула, осем, девет, шест, двайсет и две, четирийсет и седем, шейсет", PHONE, "четирийсет"),
    ("phone-it-words", "tre tre tre uno due tre quattro cinque sei sette", PHONE, "quattro"),
    ("phone-it-compound", "zero sei, dodici trentaquattro cinquantasei settantotto", PHONE, "trentaquattro"),
    ("phone-ro-words", "zero șapte doi unu, doi trei patru, cinci șase șapte", PHONE, "șapte"),
    ("phone-ro-tens", "zero șapte doi unu, douăzeci și trei, patruzeci și cinci, șaizeci și șapte", PHONE, "douăzeci"),
    ("phone-ro-no-diacritics", "zero sapte doi unu doi trei patru cinci sase sapte", PHONE, "sase"),
    # e-mail, written and spoken
    ("email-written", "write to anna.b@example.com now", EMAIL, "anna.b"),
    ("email-plus-tag", "it's dan+bank@mail.co.uk", EMAIL, "dan+bank"),
    ("email-en-spoken", "it's anna dot smith at example dot com thanks", EMAIL, "smith"),
    ("email-en-half-spoken", "send it to anna at example.com", EMAIL, "example.com"),
    ("email-ru-spoken", "пишите на ivan собака mail точка ru", EMAIL, "собака"),
    ("email-bg-spoken", "адресът е petar маймунка abv точка bg", EMAIL, "маймунка"),
    ("email-it-spoken", "mario chiocciola libero punto it", EMAIL, "chiocciola"),
    ("email-ro-spoken", "adresa e ion arond yahoo punct com", EMAIL, "arond"),
    ("email-cyrillic", "почта иван@почта.рф", EMAIL, "иван@"),
    # IBAN
    ("iban-gb", "my IBAN is GB82 WEST 1234 5698 7654 32 please", IBAN, "WEST"),
    ("iban-it", "IBAN IT60 X054 2811 1010 0000 0123 456", IBAN, "X054"),
    ("iban-ro", "contul RO49 AAAA 1B31 0075 9384 0000", IBAN, "AAAA"),
    ("iban-bg", "сметка BG80 BNBG 9661 1020 3456 78", IBAN, "BNBG"),
    ("iban-de-compact", "DE89370400440532013000 is mine", IBAN, "370400"),
    ("iban-lowercase-asr", "it's it60x0542811101000000123456", IBAN, "x054"),
]

KEPT = [
    ("amount-and-time", "I paid £12.80 on 14/03/1986 at 3:42 pm"),
    ("date-iso", "the date is 2026-11-02"),
    ("short-order-number", "order 12345 and reference NW-558120"),
    ("postcode", "the postcode is BS7 8QE"),
    ("eight-digit-reference", "reference 4111 1111"),
    ("spoken-small-numbers", "two, three questions, and one moment please"),
    ("at-home", "I was at home at five"),
    ("not-an-email-domain", "meet me at the bank dot"),
    ("words-like-numbers", "sei sicuro? tre giorni fa"),
    ("ru-small-numbers", "через пять минут, два дня назад"),
    ("bg-small-numbers", "след пет минути и два дни"),
    ("ro-small-numbers", "în cinci minute, doi clienți"),
    ("year", "since 1986"),
    ("money-big", "a loan of 250,000 pounds"),
]


@pytest.mark.parametrize("text, mask, gone", [c[1:] for c in MASKED], ids=[c[0] for c in MASKED])
def test_masks(text, mask, gone):
    out = redact(text)
    assert mask in out, out
    assert gone not in out, out


@pytest.mark.parametrize("text", [c[1] for c in KEPT], ids=[c[0] for c in KEPT])
def test_keeps(text):
    assert redact(text) == text


def test_no_digits_of_a_masked_number_remain():
    out = redact("call me on +7 (495) 123-45-67, card 4111 1111 1111 1111.")
    assert out == f"call me on {PHONE}, card {CARD}."
    assert not re.search(r"\d", out)


def test_phone_and_card_in_one_run_are_both_masked():
    out = redact("0888 123 456 and 4111 1111 1111 1111")
    assert out == f"{PHONE} and {CARD}"


def test_luhn_decides_card():
    assert CARD not in redact("4111 1111 1111 1112")  # not a card number; still not left whole
    assert "4111 1111 1111 1112" not in redact("4111 1111 1111 1112")


def test_non_text_passes_through():
    assert redact("") == ""
    assert redact(None) is None  # type: ignore[arg-type]
