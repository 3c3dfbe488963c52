"""The compiled schema check never lets through a document that jsonschema refuses.

Validation asks jsonschema-rs first and trusts a "valid" from it (``kernel/schemas.py``), so
the one difference that would matter is a document the compiled validator accepts and
jsonschema refuses. These tests look for one near real documents, where it would hurt.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kernel.config import Config
from kernel.core import Kernel
from tests.factories import CHANGE_DOCUMENT, WEBSITE_APPLICATION

#: Values that regular-expression dialects, formats and types are known to disagree on.
TRICKY = [
    "",
    " ",
    "\n",
    "110105\n",
    "١١٠١٠٥",  # Arabic-Indic digits: Python's \d takes them
    "１３８００１３８０００",  # full-width digits
    "13800138000\n",
    "1110000000004JUR69\n",
    "1110000000004jur69",
    "x" * 300,
    "北京市公安局.政务",
    "service@beijing.gov.cn\n",
    "2400:3200::1",
    "202.106.0.20\n",
    0,
    -1,
    1.5,
    True,
    None,
    [],
    {},
]

# A fresh copy of each tricky value: ``_mutated`` may write into a drawn ``{}`` (when it lands
# in a list of objects), and a shared one would change TRICKY for every later example.
values = st.recursive(
    st.sampled_from(TRICKY).map(copy.deepcopy)
    | st.text(max_size=20)
    | st.integers()
    | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def schemas():
    kernel = Kernel.build(Config(watch_rules=False))
    yield kernel.schemas
    kernel.close()


def _mutated(base: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """``base`` with a few fields replaced, removed or added, nested items included."""
    document = copy.deepcopy(base)
    for _ in range(data.draw(st.integers(1, 3))):
        target = document
        items = [v for v in target.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        if items and data.draw(st.booleans()):
            target = data.draw(st.sampled_from(items))[0]
        key = data.draw(st.sampled_from([*target, "unknown_field"]))
        if data.draw(st.integers(0, 4)) == 0:
            target.pop(key, None)
        else:
            target[key] = data.draw(values)
    return document


def _agrees(schemas, schema_id: str, document: Any) -> None:
    fast = schemas.compiled(schema_id)
    assert fast is not None, "every built-in schema compiles"
    if fast.is_valid(document):
        errors = [e.message for e in schemas.validator(schema_id).iter_errors(document)]
        assert errors == [], f"jsonschema-rs accepted what jsonschema refuses: {errors}"


@pytest.mark.parametrize(
    ("schema_id", "base"),
    [
        ("codeassign/application.json", CHANGE_DOCUMENT),
        ("websites/application.json", WEBSITE_APPLICATION),
    ],
)
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_near_real_documents(schemas, schema_id, base, data):
    _agrees(schemas, schema_id, _mutated(base, data))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_document_against_any_schema(schemas, data):
    schema_id = data.draw(st.sampled_from(schemas.ids))
    document = data.draw(st.dictionaries(st.text(max_size=12), values, max_size=6) | values)
    _agrees(schemas, schema_id, document)


def test_the_real_documents_take_the_fast_path_and_a_wrong_one_gets_its_message(schemas):
    assert schemas.compiled("codeassign/application.json").is_valid(CHANGE_DOCUMENT)
    assert schemas.validate("codeassign/application.json", CHANGE_DOCUMENT) == []
    wrong = dict(CHANGE_DOCUMENT, handler_mobile="1380013800")
    (outcome,) = schemas.validate("codeassign/application.json", wrong)
    assert outcome.fields == ("/handler_mobile",)


RULE_FILES = sorted((Config().rules_dir).glob("*/*.yaml"))


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_the_rule_file_schema_agrees_too(data):
    """Rule files are checked the same way: a 'valid' from jsonschema-rs must be jsonschema's."""
    from kernel import yamlsource
    from kernel.rules.compiler import _shape_validators

    fast, slow = _shape_validators()
    base = yamlsource.load(data.draw(st.sampled_from(RULE_FILES)).read_text("utf-8")).data
    rule = data.draw(st.sampled_from(base["rules"]))
    document = {**base, "rules": [_mutated(rule, data)]}
    if fast.is_valid(document):
        assert [e.message for e in slow.iter_errors(document)] == []
