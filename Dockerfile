# CPU-only image of the segmentation service: docker build -t segmenter . && docker run -p 8000:8000 segmenter
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SEGMENTER_HOST=0.0.0.0 \
    SEGMENTER_PORT=8000

WORKDIR /app

# CPU build of torch first, so that the package's torch requirement is already met
RUN pip install "torch>=2.2,<2.15" --index-url https://download.pytorch.org/whl/cpu

COPY pyproject.toml README.md ./
COPY segmenter ./segmenter
COPY api ./api
COPY models ./models
RUN pip install -e ".[serve]"

RUN useradd --create-home --uid 10001 app
USER app

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3).status != 200)"]

CMD ["segmenter", "serve"]
