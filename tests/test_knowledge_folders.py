"""The knowledge directory is two folders of YAML files merged by top-level key: an author
can split or add files, mistakes across files are reported at each place, and the older
flat layout still reads."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from knowledge.engine import Engine
from knowledge.loader import BUNDLED_DIR, load_knowledge, read_knowledge
from knowledge.model import Knowledge
from knowledge.problems import errors
from tests.knowledge_helpers import check, line_of

CONTENT_FILES = {
    "contacts.yaml",
    "dilemmas.yaml",
    "intake.yaml",
    "leadership_actions.yaml",
    "reading.yaml",
    "reading_examples.yaml",
    "reflection_questions.yaml",
    "rule_tests.yaml",
    "rules.yaml",
}
PROFILES = (
    {"size": "zeer_groot", "mandate": "beperkt"},
    {"size": "klein", "subgroups": "veel", "interests": "hoog"},
    {},
)


def split_list(path: Path, key: str, into: Path, entries: int) -> list[str]:
    """Move the last ``entries`` entries of the top-level list ``key`` into a new file."""
    lines = path.read_text("utf-8").splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("  - ")]
    cut = starts[-entries]
    moved = lines[cut:]
    path.write_text("".join(lines[:cut]), "utf-8")
    into.write_text(f"{key}:\n" + "".join(moved), "utf-8")
    return [line.split(":", 1)[1].strip() for line in moved if line.startswith("  - id:")]


def same_advice(a: Knowledge, b: Knowledge) -> None:
    for profile in PROFILES:
        assert Engine(a).scores(profile) == Engine(b).scores(profile), profile


def test_the_bundled_folders_hold_content_apart_from_interface() -> None:
    content = {p.name for p in (BUNDLED_DIR / "content").glob("*.yaml")}
    assert content == CONTENT_FILES
    messages = {p.stem for p in (BUNDLED_DIR / "interface" / "messages").glob("*.yaml")}
    assert {"start", "intake", "advice", "privacy", "errors", "cohorts", "broadcasts"} <= messages
    assert not list(BUNDLED_DIR.glob("*.yaml")), "no loose files beside the two folders"


def test_rules_split_over_two_files_give_the_same_advice(
    knowledge: Knowledge, knowledge_copy: Path
) -> None:
    moved = split_list(
        knowledge_copy / "content" / "rules.yaml",
        "rules",
        knowledge_copy / "content" / "rules_extra.yaml",
        entries=10,
    )
    split = load_knowledge(knowledge_copy)
    assert len(moved) == 10
    assert [r.id for r in split.rules] == [r.id for r in knowledge.rules]
    assert {r.where.file for r in split.rules if r.id in moved} == {"content/rules_extra.yaml"}
    same_advice(split, knowledge)
    assert check(knowledge_copy, strict=True)[0] == 0


def test_messages_in_a_new_file_of_a_subfolder_are_read(knowledge_copy: Path) -> None:
    extra = knowledge_copy / "interface" / "messages" / "workshop" / "live.yaml"
    extra.parent.mkdir()
    extra.write_text("messages:\n  live_hello:\n    nl: Hallo zaal\n    en: Hello room\n", "utf-8")
    loaded, problems = read_knowledge(knowledge_copy)
    assert not errors(problems)
    assert loaded.messages["live_hello"].en == "Hello room"
    assert loaded.message_where["live_hello"].file == "interface/messages/workshop/live.yaml"


def test_the_same_id_in_two_files_is_reported_at_both(knowledge_copy: Path) -> None:
    rules = knowledge_copy / "content" / "rules.yaml"
    split_list(rules, "rules", knowledge_copy / "content" / "rules_extra.yaml", entries=1)
    extra = knowledge_copy / "content" / "rules_extra.yaml"
    first_id = next(
        line.split(":", 1)[1].strip()
        for line in rules.read_text("utf-8").splitlines()
        if line.startswith("  - id:")
    )
    extra.write_text(extra.read_text("utf-8").replace("  - id: ", f"  - id: {first_id}\n#", 1))
    code, out = check(knowledge_copy)
    assert code == 1
    first = line_of(rules, f"id: {first_id}$")
    second = line_of(extra, f"id: {first_id}$")
    assert (
        f"content/rules_extra.yaml:{second}: duplicate id '{first_id}' "
        f"(also at content/rules.yaml:{first})" in out
    ), out


def test_a_message_given_in_two_files_is_reported_at_both(knowledge_copy: Path) -> None:
    start = knowledge_copy / "interface" / "messages" / "start.yaml"
    (knowledge_copy / "interface" / "messages" / "zz_again.yaml").write_text(
        "messages:\n  welcome:\n    nl: Hoi\n    en: Hi\n", "utf-8"
    )
    code, out = check(knowledge_copy)
    assert code == 1
    assert (
        "interface/messages/zz_again.yaml:2: 'messages.welcome' is given twice "
        f"(also at interface/messages/start.yaml:{line_of(start, '^  welcome:')})" in out
    ), out


def test_a_one_value_key_given_twice_is_reported(knowledge_copy: Path) -> None:
    (knowledge_copy / "interface" / "guard_extra.yaml").write_text(
        "replacement: {nl: weg, en: gone}\n", "utf-8"
    )
    guard = knowledge_copy / "interface" / "client_data_guard.yaml"
    code, out = check(knowledge_copy)
    assert code == 1
    assert (
        "interface/guard_extra.yaml:1: 'replacement' may be given once "
        f"(also at interface/client_data_guard.yaml:{line_of(guard, '^replacement:')})" in out
    ), out


def test_a_key_in_the_wrong_folder_or_unknown_is_reported_at_its_line(
    knowledge_copy: Path,
) -> None:
    (knowledge_copy / "content" / "more.yaml").write_text(
        "# a note\nmessages:\n  hallo: {nl: Hallo, en: Hello}\nrulez: []\nquestions: []\n",
        "utf-8",
    )
    code, out = check(knowledge_copy)
    assert code == 1
    assert "content/more.yaml:2: 'messages' belongs in interface/, not in content/" in out
    assert "content/more.yaml:4: unknown top-level key 'rulez' (use " in out
    assert "content/more.yaml:5: unknown top-level key 'questions' (use 'intake_questions'" in out


def test_a_file_outside_the_two_folders_is_reported(knowledge_copy: Path) -> None:
    (knowledge_copy / "contnet").mkdir()
    (knowledge_copy / "contnet" / "rules.yaml").write_text("rules: []\n", "utf-8")
    code, out = check(knowledge_copy)
    assert code == 1
    assert "contnet/rules.yaml:1: a knowledge file belongs in content or interface/" in out


def test_a_required_key_no_file_gives_is_reported(knowledge_copy: Path) -> None:
    (knowledge_copy / "content" / "rules.yaml").unlink()
    code, out = check(knowledge_copy)
    assert code == 1
    assert "content/:1: no file of content/ gives 'rules'" in out


def test_the_older_flat_layout_still_reads(knowledge: Knowledge, tmp_path: Path) -> None:
    """The ten files side by side, under their old names and keys."""
    flat = tmp_path / "flat"
    flat.mkdir()
    old_names = {
        "reflection_questions.yaml": ("questions.yaml", "reflection_questions:", "questions:"),
        "intake.yaml": ("intake.yaml", "intake_questions:", "questions:"),
        "rule_tests.yaml": ("tests.yaml", "rule_tests:", "tests:"),
        "leadership_actions.yaml": ("actions.yaml", "", ""),
        "client_data_guard.yaml": ("guard.yaml", "", ""),
        "followup_plans.yaml": ("plans.yaml", "", ""),
    }
    for path in sorted((BUNDLED_DIR / "content").glob("*.yaml")) + sorted(
        (BUNDLED_DIR / "interface").glob("*.yaml")
    ):
        name, new_key, old_key = old_names.get(path.name, (path.name, "", ""))
        text = path.read_text("utf-8")
        if new_key:
            text = text.replace(f"\n{new_key}", f"\n{old_key}", 1)
        (flat / name).write_text(text, "utf-8")
    templates = (flat / "broadcast_templates.yaml").read_text("utf-8")
    (flat / "broadcast_templates.yaml").unlink()
    with (flat / "plans.yaml").open("a", encoding="utf-8") as plans:
        plans.write(templates.replace("broadcast_templates:", "templates:"))
    messages = ["messages:\n"]
    for path in sorted((BUNDLED_DIR / "interface" / "messages").glob("*.yaml")):
        messages.append(path.read_text("utf-8").split("messages:\n", 1)[1])
    (flat / "messages.yaml").write_text("".join(messages), "utf-8")

    old = load_knowledge(flat)
    assert [q.id for q in old.questions.values()] == [q.id for q in knowledge.questions.values()]
    assert [q.id for q in old.intake] == [q.id for q in knowledge.intake]
    assert len(old.tests) == len(knowledge.tests)
    assert old.templates and [t.question for t in old.templates] == [
        t.question for t in knowledge.templates
    ]
    assert old.messages == knowledge.messages
    same_advice(old, knowledge)


def test_check_reads_a_split_directory_given_by_option_or_environment(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    split_list(
        knowledge_copy / "content" / "rules.yaml",
        "rules",
        knowledge_copy / "content" / "rules_extra.yaml",
        entries=3,
    )
    shutil.move(
        knowledge_copy / "content" / "rules_extra.yaml",
        knowledge_copy / "content" / "zz_nooit.yaml",
    )
    with (knowledge_copy / "content" / "zz_nooit.yaml").open("a", encoding="utf-8") as f:
        f.write("  - id: zz_nooit\n    when: {size: reusachtig}\n    then:\n")
        f.write("      dilemmas: {inclusief_vs_efficient: 1}\n")
        f.write("    because: {nl: Nooit., en: Never.}\n")
    line = line_of(knowledge_copy / "content" / "zz_nooit.yaml", "reusachtig")
    expected = f"content/zz_nooit.yaml:{line}: 'reusachtig' is not a value of 'size'"
    by_option = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--knowledge", str(knowledge_copy)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parent.parent,
    )
    assert by_option.returncode == 1 and expected in by_option.stdout, by_option.stdout
    env = {"PATH": "/usr/bin:/bin", "KNOWLEDGE_DIR": str(knowledge_copy), "HOME": str(tmp_path)}
    by_env = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parent.parent,
        env=env,
    )
    assert by_env.returncode == 1 and expected in by_env.stdout, by_env.stdout
