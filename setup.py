"""The wheel's packages, found rather than listed: every package under three folders, installed
under the names the code imports. The folder api/ installs as `segmenter_api` (so that it cannot
clash with another `api`) and the folder models/ as `segmenter/models`, where the library finds
the shipped models. Everything else about the package is in pyproject.toml."""

import os
import sys

from setuptools import Extension, find_packages, setup

# import name -> folder of the checkout
ROOTS = {"segmenter": "segmenter", "segmenter_api": "api"}


def _packages() -> tuple[list[str], dict[str, str]]:
    packages, package_dir = [], {}
    for name, folder in ROOTS.items():
        packages.append(name)
        package_dir[name] = folder
        packages += [f"{name}.{sub}" for sub in find_packages(folder)]
    # models/ holds data only (no __init__.py): one package, its model folders are data
    packages.append("segmenter.models")
    package_dir["segmenter.models"] = "models"
    return packages, package_dir


PACKAGES, PACKAGE_DIR = _packages()

# The native runtime's kernel (segmenter/native.py), built against the stable ABI: one wheel for
# CPython 3.11 and later. -ffp-contract=off: no multiply-add fused in one instruction set's code
# and not in another's, so every instruction set gives the same scores. Optional: without a C
# compiler the package still installs, and the other runtimes run (ONNX Runtime, fp32), unless
# SEGMENTER_REQUIRE_NATIVE=1 (the Docker image's build) makes a failed build an error.
FLAGS = [] if sys.platform == "win32" else ["-O3", "-ffp-contract=off", "-fno-strict-aliasing"]
NATIVE = Extension("segmenter._native", ["segmenter/_native.c"], py_limited_api=True,
                   define_macros=[("Py_LIMITED_API", "0x030B0000")], extra_compile_args=FLAGS,
                   optional=os.environ.get("SEGMENTER_REQUIRE_NATIVE") != "1")
setup(packages=PACKAGES, package_dir=PACKAGE_DIR, ext_modules=[NATIVE],
      options={"bdist_wheel": {"py_limited_api": "cp311"}})
