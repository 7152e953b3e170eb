"""The wheel's packages, found rather than listed: every package under three folders, installed
under the names the code imports. The folder api/ installs as `segmenter_api` (so that it cannot
clash with another `api`) and the folder models/ as `segmenter/models`, where the library finds
the shipped models. Everything else about the package is in pyproject.toml."""

from setuptools import find_packages, setup

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
setup(packages=PACKAGES, package_dir=PACKAGE_DIR)
