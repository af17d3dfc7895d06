"""Conversations and small templates whose renders the Java chat-template tests compare against.

Shared by make_chat_template_fixtures.py (committed fixtures) and render_local_templates.py
(Llama templates that are not committed).
"""

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city, in \"quotes\" and ünïcödé",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city, e.g. 東京"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7.5},
            },
            "required": ["city"],
        },
        "return": {"type": "object"},
    },
}
ADD_TOOL = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add two numbers",
        "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                       "required": ["a", "b"]},
    },
}


def call(name, arguments, call_id="call12345"):
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


CONVERSATIONS = {
    "user_only": [{"role": "user", "content": "Hello!"}],
    "system_user": [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "What is 2 + 2?"},
    ],
    "multi_turn": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello. How can I help?"},
        {"role": "user", "content": "Tell me a joke."},
        {"role": "assistant", "content": "Why did the chicken cross the road?"},
        {"role": "user", "content": "Why?"},
    ],
    "no_system_multi_turn": [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "two"},
        {"role": "user", "content": "three"},
    ],
    "think_in_content": [
        {"role": "user", "content": "What is 3 * 7?"},
        {"role": "assistant", "content": "<think>\n3 * 7 = 21, easy.\n</think>\n\n21"},
        {"role": "user", "content": "And 4 * 5?"},
        {"role": "assistant", "content": "<think>\nfour fives\n</think>\n\n20"},
    ],
    "reasoning_content": [
        {"role": "user", "content": "Pick a colour."},
        {"role": "assistant", "content": "Blue.", "reasoning_content": "\nThe user wants one colour.\n"},
        {"role": "user", "content": "Another?"},
    ],
    "tool_round_trip": [
        {"role": "system", "content": "You can look up the weather."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [call("get_weather", {"city": "Paris", "days": 2, "unit": "celsius"})]},
        {"role": "tool", "tool_call_id": "call12345", "content": "{\"temperature\": 18.5, \"sky\": \"clear\"}"},
        {"role": "assistant", "content": "It is 18.5 °C and clear in Paris."},
        {"role": "user", "content": "Thanks"},
    ],
    "tool_arguments_string": [
        {"role": "user", "content": "Add 1 and 2"},
        {"role": "assistant", "content": None, "tool_calls": [call("add", "{\"a\": 1, \"b\": 2}")]},
        {"role": "tool", "tool_call_id": "call12345", "content": "3"},
    ],
    "parallel_tool_calls": [
        {"role": "user", "content": "Weather in Oslo and Rome, and 0.1 + 0.2?"},
        {"role": "assistant", "content": "Let me check.", "tool_calls": [
            call("get_weather", {"city": "Oslo"}, "callOslo1"),
            call("get_weather", {"city": "Rome", "unit": None, "detail": [True, False, 1e-7, 1e16, -0.0]}, "callRome2"),
            call("add", {"a": 0.1, "b": 0.2}, "callAdd03"),
        ]},
        {"role": "tool", "tool_call_id": "callOslo1", "content": "-3"},
        {"role": "tool", "tool_call_id": "callRome2", "content": "21"},
        {"role": "tool", "tool_call_id": "callAdd03", "content": "0.30000000000000004"},
    ],
    "null_assistant_content": [
        {"role": "user", "content": "Go"},
        {"role": "assistant", "content": None, "tool_calls": [call("add", {"a": 2, "b": 3})]},
        {"role": "tool", "tool_call_id": "call12345", "content": "5"},
        {"role": "user", "content": "Done?"},
    ],
    "unicode": [
        {"role": "system", "content": "Réponds en français. 你好 🌍"},
        {"role": "user", "content": "Emoji 👩‍👩‍👧 and CJK 日本語, RTL שלום, \"quotes\", back\\slash, tab\there, nul\u0001."},
        {"role": "assistant", "content": "D'accord ✅ — «bien»"},
        {"role": "user", "content": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 beyond the BMP: 🐍"},
    ],
    "unicode_tool_arguments": [
        {"role": "user", "content": "東京の天気は?"},
        {"role": "assistant", "content": "", "tool_calls": [call("get_weather", {"city": "東京 🗼", "note": "line1\nline2\t\"q\"\\"})]},
        {"role": "tool", "tool_call_id": "call12345", "content": "晴れ ☀️"},
    ],
    "empty_strings": [
        {"role": "system", "content": ""},
        {"role": "user", "content": ""},
        {"role": "assistant", "content": ""},
        {"role": "user", "content": " "},
    ],
    "whitespace_edges": [
        {"role": "system", "content": "\n  padded system  \n"},
        {"role": "user", "content": "  leading and trailing  \n\n"},
        {"role": "assistant", "content": "\n\nanswer\n"},
        {"role": "user", "content": "\tnext"},
    ],
    "content_parts": [
        {"role": "system", "content": [{"type": "text", "text": "System as parts."}]},
        {"role": "user", "content": [{"type": "text", "text": "Look at "}, {"type": "image"}, {"type": "text", "text": "this."}]},
        {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]},
        {"role": "user", "content": "Thanks"},
    ],
    "not_alternating": [
        {"role": "user", "content": "a"},
        {"role": "user", "content": "b"},
    ],
    "tool_response_looking_user": [
        {"role": "user", "content": "Real question"},
        {"role": "assistant", "content": "<think>hmm</think>calling", "tool_calls": [call("add", {"a": 1, "b": 1})]},
        {"role": "user", "content": "<tool_response>\n2\n</tool_response>"},
        {"role": "assistant", "content": "<think>\nit is 2\n</think>\n\nTwo."},
    ],
}

TOOL_SETS = {"none": None, "weather_add": [WEATHER_TOOL, ADD_TOOL]}

# Extra variables per model family; {} is always rendered.
EXTRA_VARIANTS = {
    "qwen3": [{}, {"enable_thinking": True}, {"enable_thinking": False}],
}

# (name, template, variables): each template feature checked against jinja2 in transformers' environment.
FEATURES = [
    ("text_only", "Hello, world!\n", {}),
    ("trailing_newlines_kept_but_one", "a\n\n", {}),
    ("crlf_normalised", "a\r\nb\rc\r\n", {}),
    ("variable", "{{ x }}|{{ y }}|{{ z }}|{{ missing }}|", {"x": "s", "y": 3, "z": None}),
    ("python_str_of_values", "{{ [1, 'a', \"it's\", None, True, 1.5, {'k': (1,)}, (1, 2), []] }}", {}),
    ("repr_escapes", "{{ ['tab\\t', 'nl\\n', 'q\"', 'both\\'\"', 'uni é 😀 \\u200b \\x7f'] }}", {}),
    ("floats", "{{ 1e16 }} {{ 1e-5 }} {{ 0.1 + 0.2 }} {{ 1.0 }} {{ 2.5e-4 }} {{ 123456789012345.6 }} {{ -0.0 }} {{ 1/3 }} {{ 10/2 }}", {}),
    ("arithmetic", "{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 7 / 2 }} {{ 3 - 5 }} {{ 2 * 3.5 }} {{ 'ab' * 3 }} {{ [1] * 2 }} {{ true + 1 }} {{ -x }} {{ +x }}", {"x": 4}),
    ("precedence", "{{ 1 + 2 * 3 ** 2 }} {{ (1 + 2) * 3 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ 1 ~ 2 ~ 3 * 2 }} {{ not 1 == 2 }} {{ -2 | abs }} {{ 'a' ~ 'b' | upper }} {{ 1 if 0 else 2 if 0 else 3 }}", {}),
    ("concat_tilde", "{{ 'a' ~ 1 ~ none ~ true ~ undefinedvar ~ 2.0 ~ [1] }}", {}),
    ("string_escapes", "{{ 'a\\nb\\tc\\\\d\\'e\\\"f\\x41\\u00e9\\U0001F600\\101\\q' }}|{{ \"line\\\ncontinued\" }}", {}),
    ("adjacent_strings", "{{ 'a' 'b' \"c\" }}", {}),
    ("comparisons", "{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ (1, 2) == [1, 2] }} {{ 'é' > 'z' }} {{ none == none }} {{ 1 != 2 }} {{ 2 >= 2 }}", {}),
    ("logic_returns_operands", "{{ 0 or 'x' }} {{ 'a' and 'b' }} {{ '' and 'b' }} {{ none or [] }} {{ not none }}", {}),
    ("membership", "{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in 'cat' }} {{ 1 in (1, 2) }} {{ 'x' in undefinedvar }}", {}),
    ("tests", "{{ x is defined }} {{ y is defined }} {{ n is none }} {{ x is string }} {{ 1 is number }} {{ true is number }} {{ true is integer }} {{ 1.0 is float }} {{ d is mapping }} {{ l is iterable }} {{ 's' is sequence }} {{ d is sequence }} {{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 1 is true }} {{ true is true }} {{ false is false }} {{ 'ab' is lower }} {{ 'AB' is upper }} {{ 2 is equalto 2 }} {{ 2 is eq 3 }} {{ 1 is lt 2 }} {{ n is sameas none }} {{ 'a' is in 'abc' }} {{ x is not none }} {{ y is undefined }} {{ 'upper' is filter }} {{ 'odd' is test }} {{ d is callable }} {{ 1 is boolean }} {{ 2 is ne 2 }} {{ 3 is ge 3 }} {{ 3 is gt 3 }} {{ 3 is le 3 }}", {"x": "s", "n": None, "d": {"a": 1}, "l": [1]}),
    ("if_elif_else", "{% for v in [0, 1, 2, 3] %}{% if v == 0 %}zero{% elif v == 1 %}one{% elif v == 2 %}two{% else %}many{% endif %},{% endfor %}", {}),
    ("for_loop_variables", "{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}[{{ loop.previtem }}|{{ loop.nextitem }}]{{ loop.cycle('o', 'e') }}{{ loop.depth }};{% endfor %}", {}),
    ("for_filter_else", "{% for x in [1, 2, 3, 4] if x is even %}{{ x }}:{{ loop.index }}/{{ loop.length }} {% else %}none{% endfor %}|{% for x in [] %}x{% else %}empty{% endfor %}|{% for x in [1] if x > 5 %}x{% else %}filtered{% endfor %}", {}),
    ("for_unpack_items", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k, v in d | items %}{{ k }}:{{ v }},{% endfor %}{% for a, (b, c) in [[1, [2, 3]]] %}{{ a }}{{ b }}{{ c }}{% endfor %}", {"d": {"z": 1, "a": [2], "m": None}}),
    ("for_over_dict_and_string", "{% for k in d %}{{ k }}{% endfor %}|{% for c in 'héllo😀' %}{{ c }}.{% endfor %}|{% for x in undefinedvar %}never{% endfor %}", {"d": {"b": 1, "a": 2}}),
    ("break_continue", "{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i > 4 %}{% break %}{% endif %}{{ i }}{% endfor %}", {}),
    ("nested_loops_outer_loop", "{% for a in [1, 2] %}{% set outer = loop %}{% for b in 'xy' %}{{ outer.index }}{{ loop.index }}{{ b }} {% endfor %}{% endfor %}", {}),
    ("set_scoping", "{% set x = 0 %}{% for i in [1, 2, 3] %}{{ x }}{% set x = i %}{{ x }};{% endfor %}{{ x }}|{% if true %}{% set y = 5 %}{% endif %}{{ y }}", {}),
    ("namespace", "{% set ns = namespace(count=0, found=false) %}{% for i in [3, 8, 5] %}{% if i > 4 %}{% set ns.count = ns.count + 1 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.count }} {{ ns.found }} {{ ns.missing }}|{% set n2 = namespace() %}{% set n2.a = 'A' %}{{ n2.a }}", {}),
    ("set_tuple_and_block", "{% set a, b = 1, 2 %}{{ a }}{{ b }}|{% set t = 1, 2 %}{{ t }}|{% set blk %}  inside {{ a }}  {% endset %}[{{ blk }}]|{% set up | upper | trim %} shout {% endset %}[{{ up }}]", {}),
    ("slicing", "{{ s[1:] }}|{{ s[:-1] }}|{{ s[::-1] }}|{{ s[1:5:2] }}|{{ l[::-1] }}|{{ l[-2:] }}|{{ l[5:] }}|{{ s[-100:2] }}|{{ l[::2] }}|{{ s[0] }}{{ s[-1] }}|{{ l[1] }}|{{ l[10] }}|{{ e[::-1] }}|{{ e[1:3] }}", {"s": "hello", "l": [1, 2, 3, 4], "e": "a😀b🐍c"}),
    ("attribute_and_item_access", "{{ d.a }}|{{ d['a'] }}|{{ d.b.c }}|{{ d['b']['c'] }}|{{ d.missing }}|{{ l.0 }}|{{ d.get('a') }}|{{ d.get('zz', 'dflt') }}|{{ d.get('zz') }}|{{ d['items'] }}|{{ (d.keys() | list) }}|{{ d.values() | list }}", {"d": {"a": 1, "b": {"c": "deep"}, "items": "key named items"}, "l": ["first"]}),
    ("string_methods", "{{ s.upper() }}|{{ s.lower() }}|{{ s.title() }}|{{ 'hello wORLD'.capitalize() }}|{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ 'xxaxx'.strip('x') }}|{{ s.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a,b,c'.rsplit(',', 1) }}|{{ s.startswith('  He') }}|{{ s.endswith(('x', '!  ')) }}|{{ s.replace('l', 'L') }}|{{ s.replace('l', 'L', 1) }}|{{ s.find('l') }}|{{ s.rfind('l') }}|{{ s.find('z') }}|{{ s.count('l') }}|{{ '-'.join(['a', 'b']) }}|{{ '42'.isdigit() }}|{{ 'ab'.isalpha() }}|{{ 'prefix-x'.removeprefix('prefix-') }}|{{ 'a\\nb\\r\\nc'.splitlines() }}|{{ '{} and {}'.format(1, 'two') }}|{{ 'AbC'.swapcase() }}|{{ '7'.zfill(3) }}|{{ 'ǆemal'.title() }}|{{ 'straße'.upper() }}", {"s": "  Hello World!  "}),
    ("string_methods_unicode", "{{ t.find('b') }}|{{ t.split('😀') }}|{{ t | length }}|{{ t.upper() }}|{{ '\\u3000x\\xa0'.strip() }}|{{ 'a\\u2003b'.split() }}", {"t": "a😀b"}),
    ("filters_strings", "{{ '  x  ' | trim }}|{{ 'xxhixx' | trim('x') }}|{{ 'hello world-foo(bar)' | title }}|{{ 'hELLO' | capitalize }}|{{ 'a' | upper }}{{ 'B' | lower }}|{{ 'aaa' | replace('a', 'b', 2) }}|{{ 'one two  three' | wordcount }}|{{ 'abc' | center(9) }}|{{ 'ab' | center(7) }}|{{ '%s-%d' | format('x', 3) }}|{{ '<&>\"\\'' | escape }}|{{ '<b>' | safe }}|{{ 12 | string }}|{{ 'héllo😀' | length }}|{{ 'abc' | reverse }}|{{ 'abc' | first }}{{ 'abc' | last }}|{{ 'ab' | list }}", {}),
    ("filter_indent", "[{{ 'a\\nb\\n\\nc' | indent }}]|[{{ 'a\\nb' | indent(2, true) }}]|[{{ 'a\\n\\nb' | indent(width='--', blank=true) }}]|[{{ 'x\\n' | indent(first=true) }}]", {}),
    ("filters_numbers", "{{ '42' | int }} {{ '4.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ '0x1A' | int(base=16) }} {{ '2.5' | float }} {{ 'y' | float }} {{ 3 | float }} {{ -3 | abs }} {{ -2.5 | abs }} {{ 2.5 | round }} {{ 3.5 | round }} {{ 2.675 | round(2) }} {{ 2.1 | round(method='ceil') }} {{ 2.9 | round(0, 'floor') }} {{ 7 | round }} {{ [1, 2, 3] | sum }} {{ [1.5, 2] | sum(start=1) }} {{ [3, 1, 2] | min }} {{ ['b', 'A', 'c'] | max }}", {}),
    ("filters_collections", "{{ [3, 1, 2] | sort }}|{{ [3, 1, 2] | sort(reverse=true) }}|{{ ['b', 'A', 'c'] | sort }}|{{ ['b', 'A', 'c'] | sort(case_sensitive=true) }}|{{ users | sort(attribute='age') | map(attribute='name') | list }}|{{ [1, 2, 1, 3] | unique | list }}|{{ ['a', 'A', 'b'] | unique | list }}|{{ [1, 2, 3] | first }}|{{ [1, 2, 3] | last }}|{{ [] | first }}|{{ [1, 2] | join }}|{{ ['a', 'b'] | join(', ') }}|{{ users | join(',', attribute='name') }}|{{ [1, 2] | reverse | list }}|{{ users | selectattr('admin') | map(attribute='name') | join }}|{{ users | rejectattr('admin') | map(attribute='name') | join }}|{{ users | selectattr('age', 'gt', 30) | map(attribute='name') | join }}|{{ users | selectattr('name', 'equalto', 'bo') | list | length }}|{{ [1, 2, 3, 4] | select('odd') | list }}|{{ [1, 2, 3, 4] | reject('odd') | list }}|{{ [0, 1, '', 'a'] | select | list }}|{{ ['a', 'b'] | map('upper') | list }}|{{ users | map(attribute='nick', default='-') | list }}|{{ {'b': 1, 'a': 2} | dictsort }}|{{ {'b': 1, 'a': 2} | dictsort(by='value') }}|{{ [1, 2, 3, 4, 5] | batch(2) | list }}|{{ {'x': 1} | items | list }}|{{ users | length }}|{{ users | count }}|{{ {'a': 1} | list }}|{{ users | map(attribute='tags.0') | list }}", {"users": [{"name": "al", "age": 40, "admin": True, "tags": ["x"]}, {"name": "bo", "age": 25, "admin": False, "tags": ["y"]}, {"name": "cy", "age": 31, "admin": False, "nick": "c", "tags": ["z"]}]}),
    ("default_filter", "{{ missing | default('d') }}|{{ none | default('d') }}|{{ '' | default('d') }}|{{ '' | default('d', true) }}|{{ 0 | d('zero', boolean=true) }}|{{ 'v' | d('d') }}|{{ missing | default }}", {}),
    ("tojson", "{{ v | tojson }}\n{{ v | tojson(indent=2) }}\n{{ v | tojson(indent=4, sort_keys=true) }}\n{{ v | tojson(separators=(',', ':')) }}\n{{ v | tojson(ensure_ascii=true) }}\n{{ [] | tojson(indent=2) }}{{ {} | tojson(indent=2) }}\n{{ 'a<b>&\\'' | tojson }}\n{{ v | tojson(indent='\\t') }}", {"v": {"z": [1, 2.5, 1e-7, 1e22, None, True, False], "a": {"nested": {"deep": "é😀\n\t\"\\\u0001\u007f"}}, "empty": [], "obj": {}, "int": 12345678901234, "neg": -0.0, "mid": 0.1}}),
    ("tojson_tuple_and_int_keys", "{{ {1: 'a', 2.5: 'b', true: 'c', none: 'd'} | tojson }}|{{ (1, 'x') | tojson }}", {}),
    ("whitespace_control", "a  {{- 'b' -}}  c\n  {%- if true -%}  \n  d  {%- endif %}\n  e {{ 'f' }}  \n {#- comment -#}  g", {}),
    ("trim_blocks_lstrip_blocks", "<ul>\n  {% for i in [1, 2] %}\n    <li>{{ i }}</li>\n  {% endfor %}\n</ul>\n  {# comment #}\nafter\n    {% if true %}    kept-indent\n{% endif %}", {}),
    ("plus_disables_lstrip_and_trim", "x\n    {%+ if true +%}\ny\n    {%+ endif %}\nz", {}),
    ("lstrip_only_whitespace_lines", "a {% if true %}b{% endif %} c\n\t {% if true %}\nd\n{% endif %}", {}),
    ("comment_forms", "a{# one #}b\n{#- two -#}\n c\n  {# three #}\nd{#+ four +#}\ne", {}),
    ("raw_block", "{% raw %}{{ not rendered }} {% if %}{% endraw %}|\n  {% raw -%}  \n x {{ y }}  {%- endraw %}\n", {}),
    ("variable_tag_no_trim", "{{ 'a' }}\n{{ 'b' }}\n", {}),
    ("unicode_whitespace_strip", "a\u00a0\u3000 {%- if true %}b{% endif -%} \u2003\nc", {}),
    ("macro", "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bob', '?') }} {{ greet(punct='.', name='Cy') }}", {}),
    ("macro_caller_and_varargs", "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{{ varargs }}{{ kwargs }}{% endmacro %}{% call wrap('b') %}bold {{ 1 + 1 }}{% endcall %}|{{ wrap('i', 1, 2, caller=none, extra=3) if false else '' }}", {}),
    ("filter_block", "{% filter upper %}shout {{ 'this' }}{% endfilter %}|{% filter replace('a', 'o') | trim %}  banana  {% endfilter %}", {}),
    ("with_block", "{% set x = 1 %}{% with x = 2, y = x + 10 %}{{ x }} {{ y }}{% endwith %} {{ x }} {{ y }}", {}),
    ("generation_block", "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% endgeneration %}{% else %}[{{ m.content }}]{% endif %}{% endfor %}", {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}),
    ("print_tag", "{% print 'p' ~ 1 %}", {}),
    ("dict_and_list_literals", "{{ {'a': 1, 'b': [1, 2,], 'c': {'d': none}} }}|{{ [1, 2, 3,] }}|{{ () }}|{{ (1,) }}|{{ {} }}|{{ {'x': 1}['x'] }}|{{ dict(a=1, b='2') }}|{{ range(3) | list }}|{{ range(1, 10, 3) | list }}|{{ range(5, 0, -2) | list }}", {}),
    ("conditional_expression", "{{ 'yes' if x else 'no' }} {{ 'yes' if y else 'no' }} [{{ 'only' if y }}] {{ ('a' if x else 'b') ~ 'c' }}", {"x": 1, "y": 0}),
    ("undefined_semantics", "[{{ u }}][{{ u | length }}][{{ u | string }}][{{ u is defined }}][{{ not u }}][{{ u == u }}][{{ d.missing is defined }}][{{ (d.missing or 'fallback') }}][{% for x in u %}x{% endfor %}][{{ u ~ 'x' }}][{{ none.attr is defined }}]", {"d": {}}),
    ("strftime_now", "{{ strftime_now('%Y-%m-%d %H:%M:%S') }} {{ strftime_now('%d %b %Y') }} {{ strftime_now('%A %B %j %I%p %y') }}", {}),
    ("sandbox_append_is_unsafe_but_falsy", "{% set l = [1] %}[{{ l.append is defined }}][{{ l.append }}]", {}),
    ("percent_format", "{{ '%s and %s' % ('a', 1) }}|{{ '%d%%' % 50 }}|{{ '%.2f' % 3.14159 }}|{{ '%r' % 'q' }}", {}),
    ("loop_changed", "{% for x in [1, 1, 2, 2, 1] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}", {}),
    ("integer_literals", "{{ 1_000 }} {{ 0 }} {{ 1.5e3 }} {{ 2e-3 }} {{ 1_0.5 }} {{ [1, 2].0 if false else 1 }}", {}),
    # errors: each records the exception class that jinja2 raises
    ("error_raise_exception", "{{ raise_exception('Bad role: ' ~ role) }}", {"role": "robot"}),
    ("error_undefined_attribute_call", "{{ x.content.startswith('a') }}", {"x": {"content": None}}),
    ("error_undefined_arithmetic", "{{ missing + 1 }}", {}),
    ("error_str_plus_none", "{{ 'a' + none }}", {}),
    ("error_str_plus_int", "{{ 'a' + 1 }}", {}),
    ("error_unknown_filter", "{{ 'a' | nosuchfilter }}", {}),
    ("error_unknown_test", "{{ 'a' is nosuchtest }}", {}),
    ("error_unknown_tag", "{% do x.append(1) %}", {}),
    ("error_unclosed_block", "{% if true %}never closed", {}),
    ("error_append_is_unsafe", "{% set l = [] %}{{ l.append(1) }}", {}),
    ("error_set_attr_non_namespace", "{% set d = {} %}{% set d.x = 1 %}", {}),
    ("error_compare_types", "{{ 1 < 'a' }}", {}),
    ("error_division_by_zero", "{{ 1 / 0 }}", {}),
    ("error_tojson_undefined", "{{ missing | tojson }}", {}),
    ("error_iterate_none", "{% for x in none %}{% endfor %}", {}),
    ("error_unknown_method", "{{ 'a'.nosuchmethod() }}", {}),
    ("error_syntax", "{{ 1 + }}", {}),
    ("error_concat_binds_tighter_than_plus", "{{ 1 ~ 2 + 3 }}", {}),
    ("error_unpack_count", "{% for a, b in [[1, 2, 3]] %}{% endfor %}", {}),
    ("error_undefined_item_of_list", "{{ messages[5].role }}", {"messages": []}),
]
