"""The pins agree: pyproject.toml's direct dependencies are pinned as the Lambda layer pins them."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI_ONLY = {"pyyaml"}  # read by `ai-news-tracker invoke` only; not shipped to Lambda


def pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s;#]+)\s*(#.*)?", line)
        if match:
            found[match[1].lower().replace("_", "-")] = match[3]
    return found


def test_every_direct_dependency_is_pinned_like_the_layer() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    direct = pins(project["dependencies"])
    layer = pins((REPO / "layers" / "deps" / "requirements.txt").read_text(encoding="utf-8").splitlines())

    assert len(direct) == len(project["dependencies"]), "every direct dependency is pinned with =="
    assert {name: direct[name] for name in direct if name not in CLI_ONLY} == {
        name: layer[name] for name in direct if name not in CLI_ONLY
    }


def test_the_layer_does_not_ship_what_the_lambda_runtime_provides() -> None:
    layer = pins((REPO / "layers" / "deps" / "requirements.txt").read_text(encoding="utf-8").splitlines())

    assert not {"boto3", "botocore", "s3transfer"} & layer.keys()


def test_the_time_zones_come_with_the_package_not_from_the_machine() -> None:
    """Lambda's Amazon Linux 2023 runtimes and Windows need not ship /usr/share/zoneinfo: zoneinfo
    then reads the `tzdata` package, so the layer and the CLI both depend on it."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    layer = pins((REPO / "layers" / "deps" / "requirements.txt").read_text(encoding="utf-8").splitlines())

    assert "tzdata" in pins(project["dependencies"])
    assert "tzdata" in layer


def test_a_machine_without_a_time_zone_database_still_reads_the_configuration() -> None:
    # Given a Python that finds no system time zone data (PYTHONTZPATH empty, as on a minimal image)
    env = {**os.environ, "PYTHONTZPATH": "", "PYTHONPATH": str(REPO / "layers" / "core")}
    script = (
        "from ai_news_tracker.config import load_config;"
        "config = load_config('config/default.toml');"
        "print(config.report.tz)"
    )
    # When the shipped configuration is read
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, cwd=REPO, env=env, capture_output=True, text=True
    )

    # Then its time zone resolves (from the tzdata package) instead of failing as a config error
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Asia/Shanghai"


# `make`'s venv step, on stand-ins for interpreters: PYTHON's records its arguments and makes, for
# `-m venv DIR`, a DIR/bin/python whose every call succeeds (a venv with pip, nothing installed)
FAKE_PYTHON = """#!/bin/sh
echo "$@" >> "$LOG"
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin" && printf '#!/bin/sh\\nexit 0\\n' > "$3/bin/python" && chmod +x "$3/bin/python"
fi
"""
VENV_PYTHONS = {
    # what `python3 -m venv .venv` leaves where ensurepip is missing (Debian without python3-venv)
    "no-pip": '#!/bin/sh\necho "No module named pip" >&2; exit 1\n',
    # a venv of Python 3.10, older than requires-python: it runs make's check as 3.10 would
    "python-3.10": f'#!/bin/sh\nexec {sys.executable} -c "import sys; sys.version_info = (3, 10, 12); $2"\n',
    "sound": "#!/bin/sh\nexit 0\n",
}


def _script(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _checkout(folder: Path) -> None:
    """The files make's venv steps read, copied into ``folder``."""
    for name in ("Makefile", "pyproject.toml", "requirements-dev.txt", "layers/deps/requirements.txt"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, folder / name)


def _make(folder: Path, target: str, python: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``make target PYTHON=python`` in ``folder``, and the log of the stand-in interpreters' calls."""
    log = folder / "python.log"
    log.touch()
    done = subprocess.run(
        ["make", "--no-print-directory", target, f"PYTHON={python}"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "LOG": str(log)},
    )
    return done, log


@pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")
@pytest.mark.parametrize("left", VENV_PYTHONS)
@pytest.mark.parametrize("linked", [False, True], ids=["folder", "symlink"])
def test_make_makes_a_venv_again_unless_it_has_pip_and_a_new_enough_python(
    tmp_path: Path, left: str, linked: bool
) -> None:
    # Given a checkout whose .venv (a folder, or a link to one as in some developers' clones) was left
    # by a first attempt that stopped at ensurepip, or made by an older Python, or is sound
    _checkout(tmp_path)
    venv = tmp_path / ("elsewhere" if linked else ".venv")
    _script(venv / "bin" / "python", VENV_PYTHONS[left])
    if linked:
        (tmp_path / ".venv").symlink_to(venv)
    _script(tmp_path / "fake-python", FAKE_PYTHON)
    # When make's install step runs
    done, log = _make(tmp_path, ".venv/.installed", tmp_path / "fake-python")
    # Then a broken venv is made again and installed into (it was kept: "No module named pip" at every
    # make, until one found out to delete .venv), a link to one replaced, what it pointed at left alone
    assert done.returncode == 0, done.stderr
    assert ("-m venv .venv" in log.read_text(encoding="utf-8")) == (left != "sound")
    assert (tmp_path / ".venv").is_symlink() == (linked and left == "sound")
    kept = linked or left == "sound"
    assert (venv / "bin" / "python").read_text(encoding="utf-8") == VENV_PYTHONS[left if kept else "sound"]


# A Python 3.10 that makes, for `-m venv DIR`, a DIR/bin/python of 3.10 with pip (every other call succeeds)
PYTHON_3_10 = f"""#!/bin/sh
echo "$@" >> "$LOG"
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin" && cat > "$3/bin/python" <<'END' && chmod +x "$3/bin/python"
#!/bin/sh
if [ "$1" = "-c" ]; then exec {sys.executable} -c "import sys; sys.version_info = (3, 10, 12); $2"; fi
exit 0
END
fi
"""


@pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")
def test_make_s_sam_venv_takes_a_python_the_sam_cli_runs_on_not_only_the_project_s(tmp_path: Path) -> None:
    # Given a checkout on a machine whose python3 is 3.10 (Ubuntu 22.04's), on which SAM CLI 1.x runs
    # (aws-sam-cli: Requires-Python >=3.10): .venv-sam holds the SAM CLI and cfn-lint alone, never the
    # project (whose requires-python, >=3.11, is .venv's)
    _checkout(tmp_path)
    _script(tmp_path / "python3.10", PYTHON_3_10)
    printed = ["make", "-s", "--no-print-directory", "--eval", "stamp: ; @echo $(SAM_STAMP)", "stamp"]
    stamp = subprocess.run(printed, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True)
    # When make's SAM venv step runs with it (`make sam-build`, before sam build finds python3.12)
    done, log = _make(tmp_path, stamp.stdout.strip(), tmp_path / "python3.10")
    # Then the venv is made and the SAM CLI installed into it, as before (it is now refused: "python3
    # made no venv of Python >= 3.11 with pip: install python3-venv (Debian)", the project's minimum)
    assert done.returncode == 0, done.stderr
    assert "-m venv .venv-sam" in log.read_text(encoding="utf-8")
