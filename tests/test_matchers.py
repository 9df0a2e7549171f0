"""Label matchers: both spellings, the four operators, whole-value regexes, missing labels, clear errors."""

import pytest
from pydantic import BaseModel, ValidationError

from monitor.alerts.matchers import Matcher, Matchers, format_matchers, matches, parse_matcher, parse_matchers

LABELS = {"region": "城口县", "region_code": "500229", "indicator": "rd_intensity", "kind": "growth_rate",
          "severity": "critical", "binding": ""}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("region=城口县", True),
        ("region=秀山县", False),
        ("severity!=warning", True),
        ("severity!=critical", False),
        ("indicator=~rd_.*", True),
        ("indicator=~rd", False),  # the whole value must match
        ("indicator=~intensity", False),
        ("kind!~growth.*", False),
        ("kind!~level|cumulative", True),
        ("region = 城口县", True),  # spaces around the operator are ignored
        ('region="城口县"', True),  # Alertmanager's quoted spelling
        ("team=", True),  # a missing label is the empty string
        ("team!=", False),
        ("binding=", True),
        ("binding=~.+", False),
    ],
)
def test_each_operator_decides_as_alertmanager_does(text, expected):
    assert matches(parse_matchers([text]), LABELS) is expected


def test_a_mapping_means_equality_on_every_entry():
    assert parse_matchers({"region": "城口县", "severity": "critical"}) == (
        Matcher("region", "=", "城口县"), Matcher("severity", "=", "critical"))
    assert matches(parse_matchers({"region": "城口县", "severity": "critical"}), LABELS)
    assert not matches(parse_matchers({"region": "城口县", "severity": "warning"}), LABELS)


def test_a_yaml_number_in_a_mapping_is_compared_as_text():
    assert matches(parse_matchers({"region_code": 500229}), LABELS)


def test_every_matcher_must_hold_and_no_matchers_match_everything():
    assert not matches(parse_matchers(["region=城口县", "severity=warning"]), LABELS)
    assert matches(parse_matchers(None), LABELS)
    assert matches(parse_matchers([]), {})


@pytest.mark.parametrize("text", ["region", "region~城口县", "=城口县", "1region=x", "re gion=x"])
def test_a_string_without_a_known_operator_is_refused_and_quoted(text):
    with pytest.raises(ValueError) as error:
        parse_matcher(text)
    assert repr(text) in str(error.value)
    assert "label=value" in str(error.value)


def test_a_bad_regular_expression_is_refused_naming_the_matcher():
    with pytest.raises(ValueError, match=r"indicator=~rd_\(.*bad regular expression"):
        parse_matchers(["indicator=~rd_("])


@pytest.mark.parametrize("value", [["a"], {"x": 1}, None, True, 1.5])
def test_a_mapping_value_that_is_not_text_is_refused(value):
    with pytest.raises(ValueError, match="must be text"):
        parse_matchers({"region": value})


def test_something_that_is_neither_mapping_nor_list_is_refused():
    with pytest.raises(ValueError, match="mapping"):
        parse_matchers(42)


def test_a_list_may_mix_strings_and_matchers_and_prints_back_as_strings():
    parsed = parse_matchers([Matcher("region", "=", "城口县"), "indicator=~rd_.*"])
    assert format_matchers(parsed) == ["region=城口县", "indicator=~rd_.*"]
    assert parse_matchers(format_matchers(parsed)) == parsed


class Route(BaseModel):
    matchers: Matchers = ()


def test_a_pydantic_model_accepts_both_spellings_and_serialises_to_strings():
    as_map = Route.model_validate({"matchers": {"region": "城口县"}})
    as_list = Route.model_validate({"matchers": ["region=城口县"]})
    assert as_map == as_list
    assert as_map.model_dump(mode="json") == {"matchers": ["region=城口县"]}
    assert Route().matchers == ()


def test_a_pydantic_model_reports_a_bad_matcher_as_a_validation_error_on_the_field():
    with pytest.raises(ValidationError) as error:
        Route.model_validate({"matchers": ["severity~critical"]})
    (problem,) = error.value.errors()
    assert problem["loc"] == ("matchers",)
    assert "severity~critical" in problem["msg"]


def test_the_json_schema_of_the_matchers_type_allows_both_spellings():
    schema = Route.model_json_schema()["properties"]["matchers"]
    assert {option["type"] for option in schema["anyOf"]} == {"object", "array"}
