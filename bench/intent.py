"""Intent detection: the embedded engine on the labelled evaluation set (tests/agents/intent).

Accuracy and macro F1 over the intents, the share of expected slots extracted exactly (of the
messages whose intent was right), and the time per message with a trained classifier: p50 and p99
over every message of the set, each timed alone (goal: accuracy >= 0.9, p50 under 20 ms on the
CPU). `train_s` is the one-off cost of training at a process's first message.

    python bench/intent.py --json
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from _common import emit, parse_args
from craftology.agents.intent.engine import Classifier, EmbeddedIntentEngine
from craftology.agents.intent.evaluation import load, score
from craftology.agents.intent.training import training_set

EVALUATION = Path(__file__).resolve().parent.parent / "tests" / "agents" / "intent" / "evaluation.jsonl"
ROUNDS = 5


def main() -> None:
    args = parse_args(__doc__ or "")
    examples = load(EVALUATION)
    examples_trained = training_set()
    started = time.perf_counter()
    classifier = Classifier(examples_trained)
    train_s = time.perf_counter() - started
    engine = EmbeddedIntentEngine(classifier)
    result = score(engine, examples)
    timings = []
    for _ in range(ROUNDS):
        for example in examples:
            started = time.perf_counter()
            engine.detect(example.text)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    emit(
        {
            "accuracy": round(result.accuracy, 4),
            "macro_f1": round(result.macro_f1, 4),
            "slot_accuracy": round(result.slot_accuracy, 4),
            "messages": len(examples),
            "slot_checked": result.slot_examples,
            "training_messages": len(examples_trained),
            "p50_ms": round(statistics.median(timings), 3),
            "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 3),
            "train_s": round(train_s, 3),
        },
        args.json,
    )


if __name__ == "__main__":
    main()
