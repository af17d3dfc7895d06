"""Renders the committed chat templates with transformers, and small feature templates with the
same jinja2 environment, into the fixtures that ChatTemplateRenderTest and JinjaFeatureTest compare
against byte for byte.

Run from trainer.bundle/ in a virtual environment with transformers and jinja2 (no torch needed):
    python3 -m venv /tmp/ctvenv && /tmp/ctvenv/bin/pip install transformers jinja2
    /tmp/ctvenv/bin/python src/test/python/make_chat_template_fixtures.py

strftime_now reads a fixed time (FIXED_NOW) so that renders are reproducible; the Java tests use a
fixed clock at the same local time.
"""
import datetime as real_datetime
import json
import os
import sys

import jinja2
import transformers
from transformers.utils import chat_template_utils as ctu

sys.path.insert(0, os.path.dirname(__file__))
from chat_template_cases import CONVERSATIONS, EXTRA_VARIANTS, FEATURES, TOOL_SETS  # noqa: E402

FIXED_NOW = real_datetime.datetime(2025, 3, 7, 9, 5, 3)
RESOURCES = os.path.join(os.path.dirname(__file__), "..", "resources", "chat")
SPECIAL_TOKENS = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]
TOOL_CONVERSATIONS = ["user_only", "system_user", "tool_round_trip", "parallel_tool_calls", "tool_arguments_string",
                      "unicode_tool_arguments", "null_assistant_content"]


class FixedDatetime(real_datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return FIXED_NOW


def freeze_time():
    ctu.datetime = FixedDatetime
    ctu._compile_jinja_template.cache_clear()


def load_model(model_dir):
    """The templates and special-token map that transformers' tokenizer would have."""
    with open(os.path.join(model_dir, "tokenizer_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    templates = {}
    jinja_file = os.path.join(model_dir, "chat_template.jinja")
    if os.path.exists(jinja_file):
        with open(jinja_file, encoding="utf-8") as f:
            templates["default"] = f.read()
    elif isinstance(config.get("chat_template"), str):
        templates["default"] = config["chat_template"]
    else:
        templates = {t["name"]: t["template"] for t in config.get("chat_template", [])}
    special = {}
    for name in SPECIAL_TOKENS:
        value = config.get(name)
        if isinstance(value, dict):
            value = value["content"]
        if value is not None:
            special[name] = value
    return templates, special


def render(template, messages, tools, add_generation_prompt, variables):
    try:
        rendered, _ = ctu.render_jinja_template(conversations=[messages], tools=tools, chat_template=template,
                                                add_generation_prompt=add_generation_prompt, **variables)
        return {"expected": rendered[0]}
    except Exception as e:  # the fixture records what transformers raised
        return {"error": type(e).__name__, "message": str(e)}


def model_cases(model, template, special):
    cases = []
    for conversation, messages in CONVERSATIONS.items():
        tool_sets = TOOL_SETS if conversation in TOOL_CONVERSATIONS else {"none": None}
        for tools_name, tools in tool_sets.items():
            for extra in EXTRA_VARIANTS.get(model, [{}]):
                for agp in (False, True):
                    case = {"model": model, "conversation": conversation, "tools": tools_name,
                            "add_generation_prompt": agp, "extra": extra}
                    case.update(render(template, messages, tools, agp, {**special, **extra}))
                    cases.append(case)
    return cases


def feature_cases():
    cases = []
    for name, template, variables in FEATURES:
        case = {"name": name, "template": template, "variables": variables}
        try:
            case["expected"] = ctu._compile_jinja_template(template).render(**variables)
        except Exception as e:
            case.update({"error": type(e).__name__, "message": str(e)})
        cases.append(case)
    return cases


def write(name, payload):
    with open(os.path.join(RESOURCES, name), "w", encoding="utf-8") as f:
        json.dump(payload, f, ensure_ascii=False, indent=1)
        f.write("\n")


def main():
    freeze_time()
    reference = f"transformers {transformers.__version__}, jinja2 {jinja2.__version__}"
    models_dir = os.path.join(RESOURCES, "models")
    renders, special_maps = [], {}
    for model in sorted(os.listdir(models_dir)):
        if not os.path.isdir(os.path.join(models_dir, model)):
            continue
        templates, special = load_model(os.path.join(models_dir, model))
        special_maps[model] = special
        renders += model_cases(model, templates["default"], special)
    write("renders.json", {"reference": reference, "now": FIXED_NOW.isoformat(), "conversations": CONVERSATIONS,
                           "tool_sets": TOOL_SETS, "special_tokens": special_maps, "cases": renders})
    write("features.json", {"reference": reference, "now": FIXED_NOW.isoformat(), "cases": feature_cases()})
    errors = sum(1 for c in renders if "error" in c)
    print(f"{len(renders)} template renders ({errors} raise), {len(FEATURES)} feature cases; {reference}")


if __name__ == "__main__":
    main()
