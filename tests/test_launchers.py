"""Sweeps through Hydra's launchers (docs/sweeps.md): joblib, submitit and Ray give the
same results as the basic launcher, and jobs running side by side do not also fan out
their replications.

Each launcher test runs the real command in a subprocess on one tiny sweep (2 plans, so
that two workers each take a job) and compares every job with the basic launcher's:
``metrics.json`` KPIs and ``daily.csv``, byte for byte. A plugin that is not installed
skips its test, except in CI (``CI`` set), where the extras are installed (``.[dev]``)
and the test must run.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import open_dict

from conftest import FOUR_WEEKS
from o2osim.cli import _job_workers
from o2osim.config import CONF_DIR, register_schemas

SWEEP = ("plan=fragmented,integrated", "sim.seed=1", "sim.population=2000", "sim.days=42",
         *FOUR_WEEKS)
"""Two jobs of a few seconds each (six weeks: two of the campaign's execution)."""
JOBS = 2


def needs(plugin: str, extra: str) -> None:
    """Skip without the launcher plugin, unless in CI: there it must be installed."""
    if importlib.util.find_spec(f"hydra_plugins.{plugin}") is None:
        message = f"{plugin} is not installed (pip install -e '.[{extra}]')"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI installs it with .[dev]")
        pytest.skip(message)


def sweep(cwd: Path, name: str, *launcher: str,
          env: dict[str, str] | None = None) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """Run ``o2osim -m LAUNCHER SWEEP`` into ``cwd/name``; fail with its stderr if it fails.
    The folder is given absolute, as on a cluster (its workers do not start in ``cwd``)."""
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("HYDRA_")}
    run_env.update(CI="1", COLUMNS="100", **(env or {}))
    proc = subprocess.run(
        [sys.executable, "-m", "o2osim.cli", "-m", *launcher, *SWEEP,
         f"hydra.sweep.dir={cwd / name}"],
        cwd=cwd, env=run_env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return cwd / name, proc


def kpis(job: Path) -> dict[str, float]:
    return json.loads((job / "metrics.json").read_text(encoding="utf-8"))["kpis"]


@pytest.fixture(scope="module")
def basic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: the same sweep through Hydra's basic launcher, one job after another."""
    folder, _ = sweep(tmp_path_factory.mktemp("basic"), "sweep")
    return folder


def assert_same_as_basic(folder: Path, request: pytest.FixtureRequest) -> None:
    basic: Path = request.getfixturevalue("basic")  # after needs(): a skip runs no sweep
    for job in range(JOBS):
        assert (folder / str(job) / "metrics.json").is_file(), f"job {job} wrote no metrics.json"
        assert kpis(folder / str(job)) == kpis(basic / str(job)), f"job {job}"
        daily = (folder / str(job) / "daily.csv").read_bytes()
        assert daily == (basic / str(job) / "daily.csv").read_bytes(), f"job {job}"
    assert not (folder / str(JOBS)).exists()
    assert len({json.dumps(kpis(folder / str(j)), sort_keys=True) for j in range(JOBS)}) == JOBS


def test_joblib_sweep_gives_the_basic_launchers_results(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    needs("hydra_joblib_launcher", "parallel")
    folder, proc = sweep(tmp_path, "sweep", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    assert "Joblib.Parallel(n_jobs=2" in proc.stdout  # the jobs really went through joblib
    assert_same_as_basic(folder, request)


def test_submitit_local_sweep_writes_every_job(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    needs("hydra_submitit_launcher", "slurm")
    folder, _ = sweep(tmp_path, "sweep", "hydra/launcher=submitit_local")
    submitted = [p for p in (folder / ".submitit").iterdir() if p.name != "%j"]
    assert len(submitted) == JOBS  # one submitit job (a local process) per sweep job
    assert_same_as_basic(folder, request)


@pytest.fixture
def ray_dir() -> Iterator[Path]:
    """Ray's own folder for one test, kept out of /tmp/ray (whose ``ray_current_cluster``
    a plain ``ray.init()`` would connect to). Short: Ray's socket paths must fit 107 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="o2r", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


RAY_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}


@pytest.mark.slow
def test_ray_sweep_on_a_local_instance(
        request: pytest.FixtureRequest, tmp_path: Path, ray_dir: Path) -> None:
    needs("hydra_ray_launcher", "ray")
    folder, proc = sweep(tmp_path, "sweep", "hydra/launcher=ray",
                         "hydra.launcher.ray.init.address=local",  # a new instance, always
                         "+hydra.launcher.ray.init.num_cpus=2",
                         "+hydra.launcher.ray.init.include_dashboard=false",
                         f"+hydra.launcher.ray.init._temp_dir={ray_dir}", env=RAY_ENV)
    assert f"Ray Launcher is launching {JOBS} jobs" in proc.stdout
    assert_same_as_basic(folder, request)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_ray_sweep_on_an_existing_cluster(
        request: pytest.FixtureRequest, tmp_path: Path, ray_dir: Path) -> None:
    """``ray start --head`` (a one-node cluster), then the documented ``ray_cluster`` preset:
    the plugin's own ``ray`` config cannot connect to a cluster (object_store_memory)."""
    needs("hydra_ray_launcher", "ray")
    port = free_port()
    with subprocess.Popen(
            [str(Path(sys.executable).parent / "ray"), "start", "--head", "--block",
             f"--port={port}", "--num-cpus=2", "--include-dashboard=false",
             f"--ray-client-server-port={free_port()}", f"--temp-dir={ray_dir}",
             "--disable-usage-stats"],
            env={**os.environ, **RAY_ENV}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True) as head:
        try:
            assert head.stdout is not None
            for line in head.stdout:  # until the head is up; EOF if `ray start` failed
                if "Ray runtime started" in line:
                    break
            else:
                pytest.fail(f"ray start --head exited with {head.wait()}")
            folder, proc = sweep(tmp_path, "sweep", "hydra/launcher=ray_cluster",
                                 f"hydra.launcher.ray.init.address=127.0.0.1:{port}",
                                 env=RAY_ENV)
            assert "Connected to Ray cluster" in proc.stderr
            assert_same_as_basic(folder, request)
        finally:
            head.terminate()  # `ray start --block` stops the cluster's processes on SIGTERM
            try:
                head.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(head.pid, signal.SIGKILL)
                head.wait()


# --------------------------------------------------------------------------- nested parallelism

BASIC = "hydra._internal.core_plugins.basic_launcher.BasicLauncher"
JOBLIB = "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"
LOCAL = "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher"
SLURM = "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"
RAY = "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher"


SetJob = Callable[[str, RunMode, list[str]], None]


@pytest.fixture
def hydra_job(monkeypatch: pytest.MonkeyPatch) -> Iterator[SetJob]:
    """Set the running job's Hydra config as a launcher would: launcher, mode, overrides."""
    register_schemas()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        base = compose("config", return_hydra_config=True)

    def set_job(target: str, mode: RunMode, task: list[str]) -> None:
        cfg = copy.deepcopy(base)
        with open_dict(cfg):
            cfg.hydra.launcher = {"_target_": target}
            cfg.hydra.mode = mode
            cfg.hydra.overrides.task = task
        HydraConfig.instance().set_config(cfg)

    monkeypatch.delenv("SLURM_CPUS_PER_TASK", raising=False)
    yield set_job
    HydraConfig.instance().cfg = None  # type: ignore[assignment]


@pytest.mark.parametrize(("target", "mode", "task", "slurm_cpus", "workers"), [
    (BASIC, RunMode.RUN, [], None, 0),                            # one run: every core
    (BASIC, RunMode.MULTIRUN, ["sim.seed=1"], None, 0),           # jobs one after another
    (JOBLIB, RunMode.RUN, [], None, 0),                           # launcher unused in a run
    (JOBLIB, RunMode.MULTIRUN, ["sim.seed=1"], None, 1),          # jobs side by side
    (LOCAL, RunMode.MULTIRUN, [], None, 1),
    (RAY, RunMode.MULTIRUN, [], None, 1),
    (JOBLIB, RunMode.MULTIRUN, ["sim.workers=3"], None, 3),       # given: respected
    (JOBLIB, RunMode.MULTIRUN, ["sim.workers=0"], None, 0),
    (SLURM, RunMode.MULTIRUN, [], "8", 8),                        # the CPUs SLURM gave
    (SLURM, RunMode.MULTIRUN, [], None, 1),
    (JOBLIB, RunMode.MULTIRUN, [], "8", 1),                       # joblib inside an allocation
], ids=["run", "basic-sweep", "joblib-run", "joblib", "submitit-local", "ray",
        "joblib-workers-given", "joblib-workers-0-given", "slurm-cpus", "slurm-no-cpus",
        "joblib-in-slurm-allocation"])
def test_jobs_side_by_side_run_their_replications_in_process(
        hydra_job: SetJob, monkeypatch: pytest.MonkeyPatch, target: str, mode: RunMode,
        task: list[str], slurm_cpus: str | None, workers: int) -> None:
    if slurm_cpus is not None:
        monkeypatch.setenv("SLURM_CPUS_PER_TASK", slurm_cpus)
    hydra_job(target, mode, task)
    requested = next((int(t.partition("=")[2]) for t in task if t.startswith("sim.workers=")), 0)
    assert _job_workers(requested) == workers


def test_slurm_preset_takes_the_documented_overrides() -> None:
    needs("hydra_submitit_launcher", "slurm")
    register_schemas()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", return_hydra_config=True, overrides=[
            "hydra/launcher=slurm", "hydra.launcher.partition=cpu",
            "hydra.launcher.timeout_min=60", "hydra.launcher.cpus_per_task=4",
            "hydra.launcher.mem_gb=8"])
    launcher = cfg.hydra.launcher
    assert launcher._target_ == SLURM
    assert (launcher.partition, launcher.timeout_min, launcher.cpus_per_task,
            launcher.mem_gb) == ("cpu", 60, 4, 8)
    assert launcher.array_parallelism == 64  # the preset's own, over the plugin's 256
