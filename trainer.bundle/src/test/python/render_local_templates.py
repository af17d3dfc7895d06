"""Renders chat templates that may not be committed (Meta's Llama 3.x) into DIR/expected.json
beside each model directory, for LocalLlamaTemplateTest. fetch_llama_templates.sh calls it.

Usage: python render_local_templates.py MODEL_DIR...   (each with tokenizer_config.json, and
optionally chat_template.jinja)
"""
import json
import os
import sys

import jinja2
import transformers

sys.path.insert(0, os.path.dirname(__file__))
import chat_template_cases as cases  # noqa: E402
import make_chat_template_fixtures as fx  # noqa: E402

LLAMA_EXTRAS = [{}, {"date_string": "01 Jan 2025"}, {"tools_in_user_message": False},
                {"builtin_tools": ["brave_search", "wolfram_alpha"]}]


def main(dirs):
    fx.freeze_time()
    for model_dir in dirs:
        templates, special = fx.load_model(model_dir)
        if "default" not in templates:
            print(f"{model_dir}: no default chat template, skipped")
            continue
        model = os.path.basename(os.path.normpath(model_dir))
        cases.EXTRA_VARIANTS[model] = LLAMA_EXTRAS
        rendered = fx.model_cases(model, templates["default"], special)
        payload = {"reference": f"transformers {transformers.__version__}, jinja2 {jinja2.__version__}",
                   "now": fx.FIXED_NOW.isoformat(), "conversations": cases.CONVERSATIONS,
                   "tool_sets": cases.TOOL_SETS, "special_tokens": {model: special}, "cases": rendered}
        with open(os.path.join(model_dir, "expected.json"), "w", encoding="utf-8") as f:
            json.dump(payload, f, ensure_ascii=False, indent=1)
        print(f"{model_dir}: {len(rendered)} renders")


if __name__ == "__main__":
    main(sys.argv[1:])
