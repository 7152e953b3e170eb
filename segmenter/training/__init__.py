"""Training a model (the `train` extra: torch).

- `data`: training examples (dictionary features by folds), the corpora's shares of an epoch, batches
- the loss on gold labels and a teacher's distributions is the output layer's (`segmenter.heads`)
- `teacher`: a model or an ensemble as teacher (`Teacher`, `load_teacher`)
- `checkpoint`: the resumable state between epochs, a run's weights read or averaged
- `optim`: the optimisers
- `options`: the network asked for (`ModelOptions`), and what a fine-tuned model keeps
- `start`: pretrained embeddings, fine-tuning a trained model
- `plan`: a run's options checked together into a `RunPlan`
- `report`: dev scores, the training log and meta.json
- `loop`: `train`

Nothing is imported here, so that `segmenter.training.options` reads without torch.
"""
