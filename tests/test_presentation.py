"""How values read on the page: counts with the right plural, places, state changes in words."""

import pytest

from charter_app.presentation import place, plural, status_change_words


@pytest.mark.parametrize(("count", "words", "shown"), [
    (0, ("application",), "0 applications"),
    (1, ("application",), "1 application"),
    (2, ("application",), "2 applications"),
    (1, ("working day",), "1 working day"),
    (11, ("working day",), "11 working days"),
    (1, ("approved signatory", "approved signatories"), "1 approved signatory"),
    (49, ("approved signatory", "approved signatories"), "49 approved signatories"),
])
def test_plural(count, words, shown):
    assert plural(count, *words) == shown


@pytest.mark.parametrize(("town", "area", "shown"), [
    ("Durham", "Durham", "Durham"),
    ("durham ", "Durham", "durham"),
    ("Durham City", "Durham", "Durham City"),
    ("Chester-le-Street", "Chester-le-Street", "Chester-le-Street"),
    ("Stanhope", "Wear Valley", "Stanhope, Wear Valley area"),
    ("Newcastle upon Tyne", None, "Newcastle upon Tyne"),
    (None, "Teesdale", "Teesdale area"),
    (None, None, ""),
])
def test_place_names_the_town_once_and_the_area_when_it_adds_something(town, area, shown):
    assert place(town, area) == shown


@pytest.mark.parametrize(("from_status", "to_status", "words"), [
    ("draft", "submitted", "Submitted"),
    ("rejected", "submitted", "Resubmitted"),
    ("submitted", "approved", "Approved"),
    ("submitted", "rejected", "Rejected"),
    ("approved", "suspended", "Suspended"),
    ("suspended", "approved", "Reinstated"),
    ("rejected", "draft", "Returned to draft"),
])
def test_state_changes_read_as_words(from_status, to_status, words):
    assert status_change_words(from_status, to_status) == words
