"""Schemathesis over the served OpenAPI document: no operation answers 5xx, and every answer matches the document."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

# Examples per operation: about 40 operations x 20 = a few hundred requests per database, the same ones
# every run (derandomized: Hypothesis derives its examples from the test, not from a random seed).
EXAMPLES_PER_OPERATION = 20
FUZZ = settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck), print_blob=False)

# Both tests share one run per database (same worker under `--dist loadgroup`).
_RUNS: dict[str, dict[str, dict[str, str]]] = {}


def _run(app, headers: dict) -> dict[str, dict[str, str]]:
    """Every operation of the document, fuzzed; {check: {operation: first failure}}."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found: dict[str, dict[str, str]] = {"server_error": {}, "conformance": {}}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30, "the document lists the API's operations"
    for operation in operations:
        _fuzz(operation, headers, found)
    return found


def _fuzz(operation, headers: dict, found: dict[str, dict[str, str]]) -> None:
    """Run one operation's examples; keep the first failure of each check."""
    label = f"{operation.method.upper()} {operation.path}"

    @FUZZ
    @given(case=operation.as_strategy())
    def fuzz(case):
        response = case.call(headers=headers)
        for name, check in (("server_error", not_a_server_error), ("conformance", response_schema_conformance)):
            if label in found[name]:
                continue
            try:
                case.validate_response(response, checks=[check], headers=headers)
            except Exception as exc:  # noqa: BLE001 - Schemathesis raises its failure group; we report it
                found[name][label] = f"{exc}".strip()[:2000]

    fuzz()


@pytest.fixture
def fuzzed(app, api_as, dialect):
    if dialect not in _RUNS:
        headers, _staff = api_as("secretariat")
        _RUNS[dialect] = _run(app, headers)
    return _RUNS[dialect]


def _report(failures: dict[str, str]) -> str:
    return "\n\n".join(f"{label}:\n{text}" for label, text in sorted(failures.items()))


@pytest.mark.xdist_group("schemathesis")
def test_no_operation_answers_a_server_error(fuzzed):
    assert not fuzzed["server_error"], _report(fuzzed["server_error"])


@pytest.mark.xdist_group("schemathesis")
def test_every_answer_matches_the_document(fuzzed):
    assert not fuzzed["conformance"], _report(fuzzed["conformance"])
