"""Rule files: validated at load time; errors name the file, the entry and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bulletin_nlp.cli import main
from bulletin_nlp.errors import RulesError
from bulletin_nlp.rules import PatternEntry, load_entries, ruleset_version


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
    write(tmp_path, "demo", 'version: "1"\nentries:\n  - {id: a, pattern: x}\n  - {id: a, pattern: y}\n')
    with pytest.raises(RulesError, match=r"entry 1 \(id=a\): duplicate id"):
        load_entries("demo", PatternEntry, tmp_path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"nope\.yaml: rules file not found"):
        load_entries("nope", PatternEntry, tmp_path)


def test_rules_check_passes_on_the_shipped_rules() -> None:
    result = CliRunner().invoke(main, ["rules", "check"])
    assert result.exit_code == 0, result.output
    for name in ("quantity", "date", "place", "person", "initiative", "document", "metrics", "facts"):
        assert f"{name}: " in result.output


def test_ruleset_version_changes_with_the_rules(tmp_path: Path) -> None:
    write(tmp_path, "demo", 'version: "1"\nentries: []\n')
    first = ruleset_version(str(tmp_path))
    ruleset_version.cache_clear()
    write(tmp_path, "demo", 'version: "2"\nentries: []\n')
    assert ruleset_version(str(tmp_path)) != first
    ruleset_version.cache_clear()
