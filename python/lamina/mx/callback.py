"""``mx.callback``: Speedometer (samples per second and the metric, logged every
``frequent`` batches) and the BatchEndParam that Module.fit passes to batch callbacks."""
from __future__ import annotations

import logging
import time
from collections import namedtuple

__all__ = ["BatchEndParam", "Speedometer"]

BatchEndParam = namedtuple("BatchEndParams", ["epoch", "nbatch", "eval_metric", "locals"])


class Speedometer:
    def __init__(self, batch_size, frequent=50, auto_reset=True):
        self.batch_size, self.frequent, self.auto_reset = batch_size, frequent, auto_reset
        self.init, self.tic, self.last_count = False, 0.0, 0

    def __call__(self, param):
        count = param.nbatch
        if self.last_count > count:
            self.init = False
        self.last_count = count
        if not self.init:
            self.init, self.tic = True, time.time()
            return
        if count % self.frequent == 0:
            speed = self.frequent * self.batch_size / max(time.time() - self.tic, 1e-9)
            msg = f"Epoch[{param.epoch}] Batch [{count - self.frequent}-{count}]\tSpeed: " \
                  f"{speed:.2f} samples/sec"
            if param.eval_metric is not None:
                for name, value in param.eval_metric.get_name_value():
                    msg += f"\t{name}={value:f}"
                if self.auto_reset:
                    param.eval_metric.reset()
            logging.info(msg)
            self.tic = time.time()
