"""JSON output with every float printed to 17 significant digits (exact float64 round trip).

Python's json module prints the shortest repr; the fixtures promise '%.17g' so that a reader can
compare digit strings too. Lists of scalars go on one line, everything else is indented by 2.
"""

import math


def _scalar(x):
    if isinstance(x, bool):
        return "true" if x else "false"
    if x is None:
        return "null"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"non-finite float {x} cannot be written to JSON")
        s = format(x, ".17g")
        if "e" not in s and "." not in s and "n" not in s:
            s += ".0"
        return s
    if isinstance(x, str):
        import json
        return json.dumps(x, ensure_ascii=False)
    raise TypeError(f"cannot write {type(x).__name__} to JSON")


def _is_scalar(x):
    return x is None or isinstance(x, (bool, int, float, str))


def dumps(obj, indent=0):
    pad, inner = " " * indent, " " * (indent + 2)
    if _is_scalar(obj):
        return _scalar(obj)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f'{inner}{_scalar(str(k))}: {dumps(v, indent + 2)}' for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(_is_scalar(v) for v in obj):
            return "[" + ", ".join(_scalar(v) for v in obj) + "]"
        return "[\n" + ",\n".join(inner + dumps(v, indent + 2) for v in obj) + "\n" + pad + "]"
    raise TypeError(f"cannot write {type(obj).__name__} to JSON")
