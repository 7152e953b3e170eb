"""What can be checked of the Docker image without a Docker engine."""

import json
import re

from tests.conftest import REPO

DOCKERFILE = (REPO / "Dockerfile").read_text()


def test_every_copied_path_exists():
    copies = re.findall(r"^COPY (.+) \S+$", DOCKERFILE, re.M)
    assert copies
    for sources in copies:
        for src in sources.split():
            assert (REPO / src).exists(), src


def test_image_runs_the_documented_command_as_a_non_root_user_with_a_health_check():
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.M).group(1))
    assert cmd == ["segmenter", "serve"]
    readme = (REPO / "README.md").read_text()
    assert ".venv/bin/segmenter serve" in readme  # the README's run command starts the same thing
    assert "docker run -p 8000:8000" in readme
    assert re.search(r"^USER (?!root)\S+$", DOCKERFILE, re.M)
    assert "EXPOSE 8000" in DOCKERFILE
    assert re.search(r"HEALTHCHECK .*\n?.*/healthz", DOCKERFILE)
    assert "python:3.11-slim" in DOCKERFILE
    assert "torch" not in DOCKERFILE.replace("without torch", "")  # inference runs on ONNX Runtime


def test_dependencies_are_pinned_and_installed_before_the_code():
    install = re.search(r"^RUN pip install (numpy.*?)\n\n", DOCKERFILE, re.M | re.S).group(1)
    pins = install.replace("\\\n", " ").split()
    assert pins and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", p) for p in pins), pins
    final = DOCKERFILE[DOCKERFILE.rindex("\nFROM "):]  # the image's stage (the builder's only makes the wheel)
    wheel = re.search(r"^RUN --mount=type=bind,from=builder\S* pip install --no-deps /wheels/\*\.whl$", final, re.M)
    assert wheel, "the final stage installs the builder's wheel, without resolving dependencies"
    assert final.index(install) < wheel.start()  # dependencies first: a code change does not reinstall them
    assert "COPY" not in final  # no sources in the image's layers
    import tomllib

    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {re.split(r"[<>=;\[ ]", d)[0].lower() for d in deps["dependencies"]}
    wanted |= {re.split(r"[<>=;\[ ]", d)[0].lower() for d in deps["optional-dependencies"]["serve"]}
    assert wanted <= {p.split("==")[0].lower() for p in pins}, wanted - {p.split("==")[0].lower() for p in pins}


def test_the_builder_compiles_the_kernel_and_must():
    builder = DOCKERFILE[:DOCKERFILE.rindex("\nFROM ")]
    assert "SEGMENTER_REQUIRE_NATIVE=1" in builder  # a failed build of the kernel fails the image's build
    assert re.search(r"apt-get install .*\bgcc\b", builder)
    final = DOCKERFILE[DOCKERFILE.rindex("\nFROM "):]
    assert "gcc" not in final  # no compiler in the image
    assert "segmenter/*.so" in (REPO / ".dockerignore").read_text()  # a local build's kernel is not copied in


def test_models_are_in_the_image_and_pickles_are_not():
    ignored = (REPO / ".dockerignore").read_text()
    assert "checkpoint.pt" in ignored and ".venv" in ignored


def test_the_image_s_settings_start_a_service(monkeypatch):
    from segmenter_api.serve import load_settings

    from segmenter import DEFAULT_MODEL

    env = dict(re.findall(r"(SEGMENTER_[A-Z_]+)=('[^']*'|\S+)", DOCKERFILE))
    assert "SEGMENTER_MODELS" in env
    for key, value in env.items():
        monkeypatch.setenv(key, value.strip("'"))
    settings = load_settings()  # a SettingsError here would stop the container at start-up
    assert settings.models == [DEFAULT_MODEL] and settings.default_model == DEFAULT_MODEL
