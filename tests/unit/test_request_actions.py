"""Which actions a request's state allows (the officer's request page shows only these;
each action's route refuses the others): every state, and the facts that narrow them."""
import pytest

from ppid.info_requests import rules
from ppid.info_requests.rules import RequestAction as A

OPEN_BASE = (A.PUTUSKAN, A.TUNJUK, A.TERUSKAN)

EXPECTED = {
    rules.DITERIMA: (A.PROSES, *OPEN_BASE, A.PERPANJANG, A.TARIK, A.LAMPIRKAN, A.TINJAU_POKOK),
    rules.DIPROSES: (*OPEN_BASE, A.PERPANJANG, A.TARIK, A.LAMPIRKAN, A.TINJAU_POKOK),
    rules.DITERUSKAN: (A.PROSES, *OPEN_BASE, A.PERPANJANG, A.TARIK, A.LAMPIRKAN,
                       A.TINJAU_POKOK),
    # extended once already: not again (UU KIP Pasal 22(8))
    rules.DIPERPANJANG: (A.PROSES, *OPEN_BASE, A.TARIK, A.LAMPIRKAN, A.TINJAU_POKOK),
    rules.SELESAI: (A.LAMPIRKAN, A.TINJAU_POKOK),
    rules.DITARIK: (A.TINJAU_POKOK,),
}


def test_every_state_is_listed():
    assert set(EXPECTED) == set(rules.STATES)


@pytest.mark.parametrize("state", list(rules.STATES))
def test_actions_of_each_state(state):
    assert rules.allowed_actions(state) == EXPECTED[state]


@pytest.mark.parametrize("state", list(rules.STATES))
def test_actions_agree_with_the_transitions(state):
    got = rules.allowed_actions(state)
    assert (A.PROSES in got) == rules.can_transition(state, rules.DIPROSES)
    assert (A.PUTUSKAN in got) == rules.can_transition(state, rules.SELESAI)
    assert (A.TARIK in got) == rules.can_transition(state, rules.DITARIK)
    assert (A.TERUSKAN in got) == rules.can_transition(state, rules.DITERUSKAN)


@pytest.mark.parametrize("state", list(rules.OPEN_STATES))
def test_an_extended_request_or_a_passed_due_date_is_not_extended(state):
    assert A.PERPANJANG not in rules.allowed_actions(state, is_extended=True)
    assert A.PERPANJANG not in rules.allowed_actions(state, extension_open=False)
    # everything else stays
    assert set(rules.allowed_actions(state)) - {A.PERPANJANG} == set(
        rules.allowed_actions(state, is_extended=True))


@pytest.mark.parametrize("outcome", list(rules.OUTCOMES))
def test_delivery_once_for_a_granted_request_only(outcome):
    got = rules.allowed_actions(rules.SELESAI, outcome=outcome)
    assert (A.SERAHKAN in got) == (outcome in rules.GRANTED)
    assert A.SERAHKAN not in rules.allowed_actions(rules.SELESAI, outcome=outcome,
                                                   is_delivered=True)
    for state in rules.OPEN_STATES:  # an open request has no outcome to deliver yet
        assert A.SERAHKAN not in rules.allowed_actions(state, outcome=outcome)


def test_unknown_state_allows_nothing():
    assert rules.allowed_actions("entah") == ()
    assert rules.allowed_actions(None) == ()


def test_decision_fields_are_the_notice_fields_of_the_outcome():
    for outcome in rules.OUTCOMES:
        fields = rules.decision_fields(outcome)
        assert set(rules.REQUIRED_OUTCOME_FIELDS[outcome]) <= fields
        assert set(rules.OPTIONAL_OUTCOME_FIELDS[outcome]) <= fields
        assert ("exemption_id" in fields) == (outcome in rules.EXEMPT_OUTCOMES)
        assert "outcome" not in fields
    assert rules.decision_fields(rules.TIDAK_DIKUASAI) == {"holding_body"}
    assert rules.decision_fields(rules.BELUM_DIDOKUMENTASIKAN) == {"documented_on"}
    assert "redacted_parts" not in rules.decision_fields(rules.DITOLAK)
    assert "available_on" not in rules.decision_fields(rules.DITOLAK)
    assert rules.decision_fields("entah") == frozenset()


def test_every_outcome_field_is_shown_for_some_outcome():
    for name in (*rules.OUTCOME_FIELDS, *rules.EXEMPTION_ENTRY_FIELDS):
        assert rules.outcomes_showing(name), name
    assert rules.outcomes_showing("exemption_letters") == (rules.DIKABULKAN_SEBAGIAN,
                                                           rules.DITOLAK)
