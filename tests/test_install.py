"""A packaged install carries the presets: the sdist and the wheel built from it (what
``python -m build`` makes), ``pip install .`` and ``pip install -e .``, in a fresh
virtual environment, run ``o2osim`` from a folder that is not the repository, and Hydra
still finds o2osim's plugin (the search sweeper in ``src/hydra_plugins``).

The wheel check is slow (a fresh environment installs every dependency: ~20 s of CPU
with the machine's wheel cache; the whole test ~80 s alone here), and CI runs it like
every test (``.ci/run`` ends with ``pytest``). Only what the build needs is copied
(:data:`BUILD_INPUTS`), so a file the package needs from elsewhere in the repository
fails here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import SMALL

ROOT = Path(__file__).resolve().parents[1]
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "src", "conf")


def _clean_env() -> dict[str, str]:
    """The environment of a user's shell: none of this checkout's paths or test settings."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "O2OSIM_CONF_DIR", "PYTHONHOME")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("HYDRA_")}
    env.update(CI="1", COLUMNS="100", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def _run(args: list[str | Path], cwd: Path, timeout: int = 600,
         **env: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env={**_clean_env(), **env},
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, args))}\n{proc.stdout}\n{proc.stderr}"
    return proc


def _source_copy(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in BUILD_INPUTS:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        else:
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def _check_install(venv: Path, elsewhere: Path, conf_dir: Path, run: bool) -> None:
    """``o2osim`` of ``venv`` finds its presets in ``conf_dir`` and (``run``) runs a small
    scenario in ``elsewhere``, a folder that is not the repository."""
    python, o2osim = venv / "bin" / "python", venv / "bin" / "o2osim"
    where = _run([python, "-c", "import o2osim.config as c; print(c.CONF_DIR)"], elsewhere)
    assert Path(where.stdout.strip()) == conf_dir.resolve()
    plugins = _run([python, "-c", "import pkgutil, hydra_plugins; print(sorted(m.name for m "
                    "in pkgutil.iter_modules(hydra_plugins.__path__)))"], elsewhere)
    assert "'o2osim_search'" in plugins.stdout  # how Hydra scans for plugins
    helped = _run([o2osim, "--help"], elsewhere).stdout
    assert "market: hotpot_chain, local_services, retail_apparel" in helped
    if run:
        if (elsewhere / "run").exists():
            shutil.rmtree(elsewhere / "run")
        # The stores' simpy engine: the compiled one would first compile in this fresh
        # environment (numba, ~20 s of CPU), which says nothing of what the package carries.
        done = _run([o2osim, "market=hotpot_chain", *SMALL, "hydra.run.dir=run"], elsewhere,
                    O2OSIM_STORE_ENGINE="simpy")
        assert "results: run" in done.stdout
        assert (elsewhere / "run" / "metrics.json").is_file()
        assert (elsewhere / "run" / "report.html").is_file()


@pytest.mark.slow
def test_wheel_sdist_and_pip_install_carry_the_presets(tmp_path: Path) -> None:
    source = _source_copy(tmp_path / "source")
    dist, venv, elsewhere = tmp_path / "dist", tmp_path / "venv", tmp_path / "elsewhere"
    elsewhere.mkdir()
    presets = sorted(str(p.relative_to(ROOT / "conf")) for p in (ROOT / "conf").rglob("*.yaml"))
    assert "market/hotpot_chain.yaml" in presets

    # the sdist, then the wheel built from it: what `python -m build` does
    _run([sys.executable, "-c", "from setuptools import build_meta as b; "
          f"b.build_sdist({str(dist)!r})"], source)
    (sdist,) = dist.glob("o2osim-*.tar.gz")
    with tarfile.open(sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        assert {f"{top}/conf/{p}" for p in presets} <= set(tar.getnames())
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, sdist], tmp_path)
    (wheel,) = dist.glob("o2osim-*.whl")
    assert {f"o2osim/conf/{p}" for p in presets} <= set(zipfile.ZipFile(wheel).namelist())

    # a fresh environment: the wheel with its dependencies, run from another folder. This
    # pip installs into it (``--python``), which spares the environment a pip of its own.
    # (Not --no-compile: where PYTHONDONTWRITEBYTECODE is set, every process would then
    # compile every module it imports from source.)
    _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path)
    pip = [sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q"]
    _run([*pip, wheel], tmp_path, timeout=900)
    site = Path(_run([venv / "bin" / "python", "-c", "import sysconfig; "
                      "print(sysconfig.get_paths()['purelib'])"], elsewhere).stdout.strip())
    shutil.rmtree(source / "build", ignore_errors=True)
    _check_install(venv, elsewhere, site / "o2osim" / "conf", run=True)

    # `pip install .` (not editable) from the source folder, over it
    pip += ["--no-deps", "--force-reinstall"]
    _run([*pip, "."], source)  # the same build as the wheel's: its presets found is enough
    _check_install(venv, elsewhere, site / "o2osim" / "conf", run=False)

    # `pip install -e .`: the presets stay in the source folder's conf/
    _run([*pip, "-e", "."], source)
    _check_install(venv, elsewhere, source / "conf", run=False)
