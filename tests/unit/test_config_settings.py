"""Every setting has its default in ppid/config.py, and the README's table agrees with it."""
import re
from pathlib import Path

from ppid.config import Defaults

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\| `PPID_([A-Z0-9_]+)` \| ([^|]*) \|", re.M)
ALSO_NAMED = re.compile(r"`PPID_([A-Z0-9_]+)`")


def _readme_table():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return section


def test_every_variable_in_the_readme_is_a_setting_with_a_default():
    names = set(ALSO_NAMED.findall(_readme_table()))
    assert names, "the README's configuration table is missing"
    unknown = sorted(n for n in names if not hasattr(Defaults, n))
    assert not unknown, f"README names settings that ppid/config.py does not define: {unknown}"


def test_the_readme_states_the_literal_defaults_of_config():
    for name, default in ROW.findall(_readme_table()):
        default = default.strip()
        if not default.startswith("`"):
            continue  # described in words (e.g. "insecure development key")
        value = getattr(Defaults, name)
        shown = default.strip("`")
        expected = ",".join(value) if isinstance(value, (tuple, list)) else str(value)
        assert shown == expected, f"README says PPID_{name} defaults to {shown}, config: {expected}"


def test_features_do_not_set_their_own_defaults():
    offenders = []
    for path in (ROOT / "ppid").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"config\.setdefault\(\s*\"([A-Z_]+)\"", text):
            offenders.append(f"{path.relative_to(ROOT)}: {m.group(1)}")
        for m in re.finditer(r"config\.get\(\s*\"([A-Z_]+)\"\s*,", text):
            offenders.append(f"{path.relative_to(ROOT)}: {m.group(1)} (a second default)")
    assert not offenders, "defaults belong in ppid/config.py: " + "; ".join(offenders)


def test_switches_read_the_same_for_gunicorn_and_the_app(monkeypatch, tmp_path):
    from ppid import create_app
    from ppid.config import environment_settings
    from tests.conftest import base_config
    for raw, expected in (("off", False), ("no", False), ("0", False), ("false", False),
                          ("on", True), ("1", True), ("true", True)):
        monkeypatch.setenv("PPID_JOB_WORKER", raw)
        assert environment_settings()["JOB_WORKER"] is expected, raw
        app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path}/x.sqlite3"))
        assert app.config["JOB_WORKER"] is expected, raw
    monkeypatch.delenv("PPID_JOB_WORKER")
    assert environment_settings()["JOB_WORKER"] is True
