"""The FastAPI service around `segmenter.Segmenter`."""
