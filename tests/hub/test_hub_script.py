"""The test command's decision about Chromium (hub.py test installs it the way CI would)."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def script():
    # hub.py shares its name with the hub package, so it is loaded from its file.
    spec = importlib.util.spec_from_file_location("hub_script", ROOT / "hub.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        ([], True),
        (["-q", "-k", "pkce"], True),
        (["tests"], True),
        (["tests/browser/test_consent_pages.py::test_x"], True),
        (["tests/participants", "tests/hub"], False),
        (["tests/participants/test_token.py", "-x"], False),
        (["-m", "not browser"], False),
    ],
)
def test_it_knows_when_the_run_includes_the_browser_tests(script, args, wanted):
    assert script.runs_browser_tests(args) is wanted


@pytest.mark.parametrize(
    ("wanted", "found", "is_root", "has_apt", "plan"),
    [
        (True, True, False, False, "ready"),
        (False, False, False, False, "ready"),
        (True, False, True, True, "install"),
        (True, False, False, True, "stop"),
        (True, False, True, False, "stop"),
    ],
)
def test_it_installs_chromium_only_when_needed_and_possible(script, wanted, found, is_root, has_apt, plan):
    assert script.chromium_plan(wanted=wanted, found=found, is_root=is_root, has_apt=has_apt) == plan


def test_without_chromium_and_without_root_it_stops_saying_what_to_install(script, monkeypatch):
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setattr(script.shutil, "which", lambda name: None)
    monkeypatch.setattr(script.os, "geteuid", lambda: 1000)
    with pytest.raises(SystemExit) as stopped:
        script.ensure_chromium([])
    assert "apt-get install chromium fonts-noto-cjk" in str(stopped.value)
    # A run that leaves out the browser tests needs no browser.
    script.ensure_chromium(["tests/participants"])
