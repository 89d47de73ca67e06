"""A Hugging Face ``TrainerCallback`` that publishes every evaluation's general and domain loss to cmrwatch.

Evaluate on two datasets so the metrics hold both losses::

    trainer = Trainer(..., eval_dataset={"general": general_val, "domain": domain_val},
                      args=TrainingArguments(..., include_num_input_tokens_seen=True))
    trainer.add_callback(CmrwatchCallback(publisher))

The class is duck-typed: it works with ``transformers`` installed (and then subclasses its ``TrainerCallback``) and
can be imported and tested without it.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

try:  # pragma: no cover - depends on the environment
    from transformers import TrainerCallback as _Base
except ImportError:  # transformers is optional: the Trainer only calls the hooks by name
    _Base = object


class CmrwatchCallback(_Base):
    """Publishes ``eval_<general>_loss`` and ``eval_<domain>_loss`` with the tokens seen so far, on each evaluation.

    ``tokens_per_step`` is used when the trainer state does not count input tokens
    (``include_num_input_tokens_seen=False``); one of the two is needed, since cmrwatch's x-axis is tokens.
    """

    def __init__(self, publisher, general_key="eval_general_loss", domain_key="eval_domain_loss",
                 tokens_per_step=None):
        self.publisher = publisher
        self.general_key = general_key
        self.domain_key = domain_key
        self.tokens_per_step = tokens_per_step

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        metrics = metrics or {}
        if self.general_key not in metrics or self.domain_key not in metrics:
            return control  # an evaluation on only one of the sets: nothing to report yet
        tokens = getattr(state, "num_input_tokens_seen", 0) or 0
        if not tokens and self.tokens_per_step:
            tokens = state.global_step * self.tokens_per_step
        fields = {}
        lr = _last_learning_rate(state)
        if lr is not None:
            fields["learningRate"] = lr
        self.publisher.log(tokens=tokens, general_loss=metrics[self.general_key],
                           domain_loss=metrics[self.domain_key], step=state.global_step, **fields)
        return control

    def on_train_end(self, args, state, control, **kwargs):
        self.publisher.flush()
        return control


def _last_learning_rate(state):
    for entry in reversed(getattr(state, "log_history", None) or []):
        if "learning_rate" in entry:
            return float(entry["learning_rate"])
    return None
