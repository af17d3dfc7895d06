"""Tests of the reward server (standard library only): TRL's calling convention, result checks,
module loading, and the protocol with a real server process."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "..", "..", "main", "resources", "cohort_reward_server.py")
sys.path.insert(0, os.path.dirname(SERVER))

import cohort_reward_server as srv  # noqa: E402


class TrlArgumentsTest(unittest.TestCase):

    def params(self, **over):
        p = {"function": "f", "prompts": ["a", "b"], "completions": ["x", "y"], "completion_ids": [[1], [2, 3]],
             "columns": {"answer": ["1", "2"]}, "step": 5}
        p.update(over)
        return p

    def test_columns_become_keyword_arguments_beside_trl_s_own(self):
        kwargs, n, _ = srv.trl_arguments(self.params())
        self.assertEqual(2, n)
        self.assertEqual({"prompts", "completions", "completion_ids", "answer", "trainer_state", "log_extra",
                          "log_metric"}, set(kwargs))
        self.assertEqual(["1", "2"], kwargs["answer"])
        self.assertEqual(5, kwargs["trainer_state"].global_step)

    def test_conversational_completions_are_one_assistant_message_each(self):
        kwargs, _, _ = srv.trl_arguments(self.params(conversational=True))
        self.assertEqual([[{"role": "assistant", "content": "x"}], [{"role": "assistant", "content": "y"}]],
                         kwargs["completions"])

    def test_log_metric_is_collected(self):
        kwargs, _, metrics = srv.trl_arguments(self.params())
        kwargs["log_metric"]("m", 0.5)
        self.assertEqual({"m": [0.5]}, metrics)

    def test_mismatched_lengths_are_a_bad_request(self):
        with self.assertRaises(srv.CallError) as c:
            srv.trl_arguments(self.params(completions=["x"]))
        self.assertEqual("bad_request", c.exception.kind)


class AsRewardsTest(unittest.TestCase):

    def test_none_and_nan_are_no_reward_bools_and_ints_are_numbers(self):
        self.assertEqual([None, None, 1.0, 2.0, 0.25], srv.as_rewards("f", [None, float("nan"), True, 2, 0.25], 5))

    def test_a_tuple_or_generator_is_a_list(self):
        self.assertEqual([1.0, 2.0], srv.as_rewards("f", (x for x in (1, 2)), 2))

    def test_problems_name_the_function_and_sample(self):
        cases = [([1.0], "f returned 1 values for 2 samples"),
                 ([1.0, "a"], "f returned str 'a' for sample 1; expected a number or None"),
                 ([1.0, float("inf")], "f returned inf for sample 1 (use None for no reward)"),
                 (None, "f returned NoneType None, not a list of 2 rewards"),
                 ("ab", "f returned str 'ab', not a list of 2 rewards")]
        for out, message in cases:
            with self.assertRaises(srv.CallError) as c:
                srv.as_rewards("f", out, 2)
            self.assertEqual(("bad_result", message), (c.exception.kind, c.exception.message))


class ModuleTest(unittest.TestCase):

    def test_a_file_module_imports_its_neighbours(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "helper_mod_x.py"), "w") as f:
                f.write("VALUE = 3\n")
            with open(os.path.join(d, "rewards_x.py"), "w") as f:
                f.write("import helper_mod_x\ndef r(completions, **kw):\n    return [helper_mod_x.VALUE] * len(completions)\n")
            m = srv.load_module(os.path.join(d, "rewards_x.py"))
            self.assertEqual([3, 3], srv.find_functions(m, ["r"])["r"](completions=["a", "b"]))

    def test_a_dotted_name_is_imported(self):
        m = srv.load_module("json.decoder")
        self.assertIn("JSONDecoder", srv.find_functions(m, ["JSONDecoder"]))

    def test_a_missing_function_names_the_callables_there_are(self):
        with self.assertRaises(LookupError) as c:
            srv.find_functions(srv.load_module("json"), ["nope"])
        self.assertIn("module json has no function 'nope'; its callables: [", str(c.exception))


MODULE = """
import time
def ok(completions, **kw):
    return [len(c) for c in completions]
async def later(completions, **kw):
    return [1.0] * len(completions)
def sleepy(completions, **kw):
    time.sleep(60)
"""


class ServerProcessTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        path = os.path.join(self.dir.name, "m.py")
        with open(path, "w") as f:
            f.write(MODULE)
        env = dict(os.environ, COHORT_WORKER_TOKEN="s3cret", COHORT_PARENT_PID=str(os.getpid()),
                   PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen([sys.executable, SERVER, "--module", path, "--functions", "ok,later,sleepy"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("listening on "):
            self.proc.kill()
            self.fail("no port: %r; stderr: %s" % (line, self.proc.stderr.read().decode()))
        self.port = int(line.split()[-1])

    def tearDown(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        for s in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            s.close()
        self.dir.cleanup()

    def connect(self, token="s3cret"):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        f = s.makefile("rwb")
        self.send(f, {"type": "hello", "protocol": 1, "token": token})
        return s, f, json.loads(f.readline())

    @staticmethod
    def send(f, obj):
        f.write((json.dumps(obj) + "\n").encode())
        f.flush()

    def call(self, f, call_id, method, params, deadline_ms=10000):
        self.send(f, {"type": "call", "id": call_id, "method": method, "params": params, "deadline_ms": deadline_ms})
        while True:
            m = json.loads(f.readline())
            if m["type"] == "reply":
                return m

    def test_hello_describe_and_score(self):
        s, f, hello = self.connect()
        self.assertEqual(("hello", 1, "m"), (hello["type"], hello["protocol"], hello["model"]))
        d = self.call(f, 1, "describe", {})["result"]
        self.assertEqual([{"name": "ok", "async": False}, {"name": "later", "async": True},
                          {"name": "sleepy", "async": False}], d["functions"])
        r = self.call(f, 2, "score", {"function": "ok", "prompts": ["p", "q"], "completions": ["ab", "c"],
                                      "completion_ids": [[1], [2]], "columns": {}, "step": 0})
        self.assertEqual({"id": 2, "result": {"rewards": [2.0, 1.0], "metrics": {}}},
                         {"id": r["id"], "result": r["result"]})
        s.close()

    def test_a_wrong_token_is_refused(self):
        s, f, reply = self.connect(token="guess")
        self.assertEqual({"type": "error", "kind": "unauthorized", "message": "wrong or missing token"}, reply)
        s.close()

    def test_a_call_past_its_deadline_is_interrupted_and_the_server_serves_on(self):
        s, f, _ = self.connect()
        base = {"prompts": ["p"], "completions": ["ab"], "completion_ids": [[1]], "columns": {}, "step": 0}
        r = self.call(f, 1, "score", dict(base, function="sleepy", timeout_ms=300), deadline_ms=5000)
        self.assertEqual("deadline", r["error"]["kind"])
        self.assertIn("sleepy ran past its deadline of 300 ms and was interrupted", r["error"]["message"])
        self.assertEqual([1.0], self.call(f, 2, "score", dict(base, function="later"))["result"]["rewards"])
        s.close()

    def test_the_server_exits_when_its_launcher_s_stdin_pipe_ends(self):
        self.proc.stdin.close()
        self.assertEqual(0, self.proc.wait(10))


if __name__ == "__main__":
    unittest.main()
