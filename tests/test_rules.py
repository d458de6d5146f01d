"""Rule files: validated at load time; errors name the file, the entry and the reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import regex
from click.testing import CliRunner

from bulletin_nlp.cli import main
from bulletin_nlp.errors import RulesError
from bulletin_nlp.rules import (
    Example,
    PatternEntry,
    load_entries,
    parse_example,
    rules_dir,
    ruleset_version,
)


def write(folder: Path, name: str, text: str) -> None:
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8")


def test_every_bad_entry_is_listed(tmp_path: Path) -> None:
    write(
        tmp_path,
        "demo",
        'version: "1"\nentries:\n'
        "  - id: ok\n    pattern: 'a+'\n"
        "  - id: broken\n    pattern: '(unclosed'\n"
        "  - id: extra\n    pattern: 'b'\n    colour: red\n"
        "  - pattern: 'c'\n",
    )
    with pytest.raises(RulesError) as info:
        load_entries("demo", PatternEntry, tmp_path)
    message = str(info.value)
    assert "demo.yaml: 3 problem(s)" in message
    assert "entry 1 (id=broken): pattern: Value error, pattern does not compile" in message
    assert "entry 2 (id=extra): colour: Extra inputs are not permitted" in message
    assert "entry 3 (id=?): id: Field required" in message


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "demo", 'version: "1"\nentries:\n  - id: [unclosed\n')
    with pytest.raises(RulesError, match=r"demo\.yaml: line \d+: YAML syntax error"):
        load_entries("demo", PatternEntry, tmp_path)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    write(
        tmp_path,
        "demo",
        'version: "1"\nentries:\n  - {id: a, pattern: x}\n  - {id: a, pattern: y}\n',
    )
    with pytest.raises(RulesError, match=r"entry 1 \(id=a\): duplicate id"):
        load_entries("demo", PatternEntry, tmp_path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"nope\.yaml: rules file not found"):
        load_entries("nope", PatternEntry, tmp_path)


def test_rules_check_passes_on_the_shipped_rules() -> None:
    result = CliRunner().invoke(main, ["rules", "check"])
    assert result.exit_code == 0, result.output
    for name in (
        "quantity",
        "date",
        "place",
        "person",
        "initiative",
        "document",
        "metrics",
        "facts",
    ):
        assert f"{name}: " in result.output


def test_ruleset_version_changes_with_the_rules(tmp_path: Path) -> None:
    write(tmp_path, "demo", 'version: "1"\nentries: []\n')
    first = ruleset_version(str(tmp_path))
    ruleset_version.cache_clear()
    write(tmp_path, "demo", 'version: "2"\nentries: []\n')
    assert ruleset_version(str(tmp_path)) != first
    ruleset_version.cache_clear()


# (written, plain text, spans, value of the last span, spans marked)
NOTATION = [
    ("民政部召开会议", "民政部召开会议", ((0, 7),), None, False),
    ("[民政部]召开会议", "民政部召开会议", ((0, 3),), None, True),
    ("由[民政部]和[人社部]共同建立 => 人力资源和社会保障部", "由民政部和人社部共同建立",
     ((1, 4), (5, 8)), "人力资源和社会保障部", True),
    ({"text": "由民政部和人社部共同建立", "spans": ["人社部"], "norm": "人力资源和社会保障部"},
     "由民政部和人社部共同建立", ((5, 8),), "人力资源和社会保障部", True),
    ({"text": "a [b] c", "spans": [[2, 5]]}, "a [b] c", ((2, 5),), None, True),
    ({"text": "2022年"}, "2022年", ((0, 5),), None, False),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "text", "spans", "norm", "marked"), NOTATION)
def test_example_notation(
    raw: object, text: str, spans: tuple, norm: str | None, marked: bool
) -> None:
    """Both forms of an example give the same typed object; the notation round-trips."""
    example = parse_example(raw)
    assert (example.text, example.spans, example.norm, example.marked) == (
        text,
        spans,
        norm,
        marked,
    )
    if isinstance(raw, str):
        assert str(example) == raw


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("a [b c", "unbalanced or nested"),
        ("a [b [c]] d", "unbalanced or nested"),
        ("a [] b", "empty []"),
        ("a [b] => ", "nothing after '=>'"),
        ("a [b] => c => d", "more than one '=>'"),
        ("a [b]=>c", "'=>' needs a space"),
        ({"text": "abc", "spans": ["x"]}, "span 'x' is not in the text"),
        ({"text": "abc", "spans": [[1, 9]]}, "outside the text"),
        ({"text": "abc", "span": ["a"]}, "unknown example keys"),
        (3, "an example is a string"),
    ],
)
def test_malformed_examples_name_file_and_entry(raw: object, reason: str) -> None:
    with pytest.raises(RulesError, match=r"^org\.yaml: suffix\.gov: bad example ") as info:
        parse_example(raw, "org.yaml: suffix.gov")
    assert reason in str(info.value)


def test_a_malformed_example_fails_loading(tmp_path: Path) -> None:
    write(
        tmp_path,
        "demo",
        'version: "1"\nentries:\n  - id: a\n    pattern: x\n'
        '    examples: {match: ["a [x b"], no_match: ["[x]"]}\n',
    )
    with pytest.raises(RulesError) as info:
        load_entries("demo", PatternEntry, tmp_path)
    message = str(info.value)
    assert "entry 0 (id=a): examples.match.0: Value error, unbalanced or nested [ ]" in message
    assert (
        "entry 0 (id=a): examples.no_match: Value error, a no_match example marks no span"
        in message
    )


def test_examples_are_typed() -> None:
    _v, entries = load_entries("structure", PatternEntry)
    examples = [x for e in entries for x in [*e.examples.match, *e.examples.no_match]]
    assert examples and all(isinstance(x, Example) for x in examples)


def _rules_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    return folder


def test_rules_check_fails_on_an_entry_without_example(tmp_path: Path) -> None:
    folder = _rules_copy(tmp_path)
    path = folder / "structure.yaml"
    text, dropped = regex.subn(
        r"(  - id: structure\.meta\n(?:    (?!examples:).*\n)*)    examples:\n(?:      .*\n)+",
        r"\1",
        path.read_text(encoding="utf-8"),
    )
    assert dropped == 1
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "check", "--dir", str(folder)])
    assert result.exit_code != 0
    assert "structure.yaml: entry structure.meta has no example" in result.output
    assert "structure:structure.meta" in result.output  # how to exempt it


def test_rules_check_refuses_a_stale_exemption(tmp_path: Path) -> None:
    folder = _rules_copy(tmp_path)
    path = folder / "examples_exempt.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "  - {id: 'org:no.such.entry', reason: gone}\n"
        + "  - {id: 'org:suffix.gov', reason: has examples}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["rules", "check", "--dir", str(folder)])
    assert result.exit_code != 0
    assert "org:no.such.entry names no rule entry" in result.output
    assert "org:suffix.gov has examples; drop its exemption" in result.output
