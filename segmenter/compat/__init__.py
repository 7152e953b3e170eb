"""Drop-in interfaces of other segmenters, backed by `Segmenter` (see `segmenter.compat.jieba`)."""
