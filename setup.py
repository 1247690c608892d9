"""Build hook: install the presets with the package. Everything else is in pyproject.toml.

The presets stay in ``conf/`` at the top of the repository, where the project's layout and
docs put them; a build copies them into the package as ``o2osim/conf`` (wheels, ``pip
install .``), where :func:`o2osim.config.store.find_conf_dir` finds them. An editable
install reads them from ``conf/`` in place. A mapping of ``conf/`` as a package in
``pyproject.toml`` would do the same for wheels, but it turns an editable install into an
import hook that hides ``src/hydra_plugins`` from Hydra's plugin scan (the cheapest-plan
search sweeper). The sdist carries ``conf/`` through ``MANIFEST.in``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PRESETS = Path(__file__).resolve().parent / "conf"


class BuildWithPresets(build_py):
    """``build_py`` that also copies ``conf/**/*.yaml`` to ``<build>/o2osim/conf``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads conf/ in place
        target = Path(self.build_lib) / "o2osim" / "conf"
        shutil.rmtree(target, ignore_errors=True)  # no preset left over from an older build
        for source in sorted(PRESETS.rglob("*.yaml")):
            dest = target / source.relative_to(PRESETS)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest)


setup(cmdclass={"build_py": BuildWithPresets})
