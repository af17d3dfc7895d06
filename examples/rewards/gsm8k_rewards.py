"""TRL-style reward functions for GSM8K, as a TRL user writes them (standard library only).

Cohort serves them unchanged through the python-rewards bundle (docs/rewards.md); the same file
works with TRL's GRPOTrainer(reward_funcs=[accuracy_reward, format_reward]).

Both take TRL's arguments: `completions` (strings, or one-message lists for conversational
datasets) and the dataset's columns as keyword arguments; `accuracy_reward` reads `answer`
(GSM8K's worked answer ending in `#### <number>`, or just the number).
"""

import re
from decimal import Decimal, InvalidOperation

_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
_NUMBER = re.compile(r"-?\$?\s*\d[\d,]*(?:\.\d+)?")
_FORMAT = re.compile(r"(\\boxed\{[^{}]+\}|####\s*\$?-?[0-9][0-9,.]*)\s*$")


def _content(completion):
    """The text of a completion: TRL passes a string, or [{"role": "assistant", "content": ...}]."""
    if isinstance(completion, list):
        return completion[-1]["content"] if completion else ""
    return completion


def _last_number(text):
    """The last number in text as a Decimal (commas and $ ignored: 1,234 = 1234, 72.00 = 72), or None."""
    found = _NUMBER.findall(text or "")
    if not found:
        return None
    try:
        return Decimal(found[-1].replace(",", "").replace("$", "").replace(" ", "")).normalize()
    except InvalidOperation:
        return None


def final_answer(text):
    """The completion's final answer: the last \\boxed{...}, else what follows the last ####."""
    boxed = _BOXED.findall(text)
    if boxed:
        return boxed[-1]
    if "####" in text:
        return text.rsplit("####", 1)[1]
    return None


def accuracy_reward(completions, answer, **kwargs):
    """1.0 when the completion's final answer is GSM8K's number, else 0.0; None (no reward) for a
    row without a number in its answer."""
    rewards = []
    for completion, reference in zip(completions, answer):
        gold = _last_number(str(reference).rsplit("####", 1)[-1])
        if gold is None:
            rewards.append(None)
            continue
        predicted = final_answer(_content(completion))
        rewards.append(1.0 if predicted is not None and _last_number(predicted) == gold else 0.0)
    return rewards


def format_reward(completions, **kwargs):
    """1.0 when the completion ends with its answer in \\boxed{} or after ####, else 0.0."""
    return [1.0 if _FORMAT.search(_content(c)) else 0.0 for c in completions]
