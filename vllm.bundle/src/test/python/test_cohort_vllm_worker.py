"""Tests of cohort_vllm_worker.py: the worker runs as a real subprocess with --fake on port 0
and the tests speak protocol version 1 to it over TCP. Standard library only.

Run from the repository root:  python3 -m unittest discover -s vllm.bundle/src/test/python
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "main", "python"))
SCRIPT = os.path.join(SCRIPT_DIR, "cohort_vllm_worker.py")
sys.path.insert(0, SCRIPT_DIR)
import cohort_vllm_worker as w  # noqa: E402  (for the in-process tests of params and the fake)

TIMEOUT = 5.0


class WorkerProcess:
    """The worker script in a subprocess; its stderr goes to a temporary file shown on failure."""

    def __init__(self, *extra, env=None, stdin=None):
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, SCRIPT, "--fake", "--port", "0", "--id", "w-test", *extra],
                                     stdout=subprocess.PIPE, stderr=self.stderr, stdin=stdin,
                                     env=dict(os.environ, **(env or {})))
        line = self.proc.stdout.readline().decode()
        if not line.startswith("listening on "):
            raise AssertionError("first stdout line: %r; stderr:\n%s" % (line, self.log()))
        self.port = int(line.split()[2])

    def log(self):
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(TIMEOUT)
        self.proc.stdout.close()
        self.stderr.close()


class Client:
    """A bare protocol client: frames out, frames in, nothing matched for you."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.file = self.sock.makefile("rb")
        self.next_id = 1

    def send(self, obj):
        self.sock.sendall((json.dumps(obj) + "\n").encode())

    def recv(self):
        line = self.file.readline()
        if not line:
            return None
        return json.loads(line)

    def hello(self, token=None, protocol=1, heartbeat_ms=None):
        msg = {"type": "hello", "protocol": protocol}
        if token is not None:
            msg["token"] = token
        if heartbeat_ms is not None:
            msg["heartbeat_ms"] = heartbeat_ms
        self.send(msg)
        return self.recv()

    def call(self, method, params=None, deadline_ms=0, call_id=None):
        if call_id is None:
            call_id = self.next_id
            self.next_id += 1
        self.send({"type": "call", "id": call_id, "method": method, "params": params or {},
                   "deadline_ms": deadline_ms})
        return call_id

    def reply(self, call_id):
        """The reply to call_id; fails on any other frame in between."""
        msg = self.recv()
        if msg is None or msg.get("type") != "reply" or msg.get("id") != call_id:
            raise AssertionError("expected the reply to call %d, got %r" % (call_id, msg))
        return msg

    def close(self):
        self.file.close()
        self.sock.close()


def gen_params(**over):
    p = {"prompts": [[1, 2, 3], [4, 5]], "n": 3, "max_tokens": 6, "temperature": 1.0, "top_p": 1.0,
         "top_k": 0, "min_p": 0.0, "seed": 7, "logprobs": True, "stop_token_ids": [], "weights_version": 0}
    p.update(over)
    return p


class WorkerTestCase(unittest.TestCase):
    worker_args = ()
    worker_env = None

    def setUp(self):
        self.worker = WorkerProcess(*self.worker_args, env=self.worker_env)
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()
        log = self.worker.log()
        self.worker.stop()
        if self._failed():
            sys.stderr.write("\n--- worker stderr (%s) ---\n%s" % (self.id(), log))

    def _failed(self):
        """Whether this test has failed so far (unittest internals, which differ by version)."""
        outcome = getattr(self, "_outcome", None)
        if outcome is None:
            return False
        if getattr(outcome, "errors", None) is not None:  # Python < 3.11
            return any(exc for _, exc in outcome.errors)
        result = getattr(outcome, "result", None)
        recorded = getattr(result, "failures", []) + getattr(result, "errors", [])
        return any(test is self for test, _ in recorded)

    def connect(self, handshake=True):
        c = Client(self.worker.port)
        self.clients.append(c)
        if handshake:
            h = c.hello()
            self.assertEqual("hello", h["type"], h)
        return c


class HandshakeTest(WorkerTestCase):

    def test_hello(self):
        c = self.connect(handshake=False)
        h = c.hello()
        self.assertEqual({"type": "hello", "protocol": 1, "worker_id": "w-test", "model": "fake", "weights_version": 0,
                          "capabilities": ["generate", "load_weights", "reset_prefix_cache", "health", "shutdown",
                                           "heartbeat", "load_adapter"]}, h)

    def test_other_protocol_version_refused(self):
        c = self.connect(handshake=False)
        r = c.hello(protocol=2)
        self.assertEqual("error", r["type"])
        self.assertEqual("protocol", r["kind"])
        self.assertIsNone(c.recv())  # closed

    def test_first_frame_not_hello_refused(self):
        c = self.connect(handshake=False)
        c.send({"type": "call", "id": 1, "method": "health", "params": {}})
        r = c.recv()
        self.assertEqual(("error", "protocol"), (r["type"], r["kind"]))
        self.assertIsNone(c.recv())

    def test_second_client_refused_while_one_is_connected_then_served(self):
        first = self.connect()
        second = self.connect(handshake=False)
        r = second.hello()
        self.assertEqual(("error", "protocol"), (r["type"], r["kind"]))
        self.assertIn("busy", r["message"])
        self.assertIsNone(second.recv())
        first.close()
        self.clients.remove(first)
        # The first client went away (as a crashed trainer does): the next one is served.
        deadline = time.monotonic() + TIMEOUT
        while True:
            third = self.connect(handshake=False)
            r = third.hello()
            if r["type"] == "hello" or time.monotonic() > deadline:
                break
        self.assertEqual("hello", r["type"], r)


class TokenTest(WorkerTestCase):
    worker_env = {"COHORT_WORKER_TOKEN": "s3cret"}

    def test_token_is_not_on_the_command_line(self):
        with open("/proc/%d/cmdline" % self.worker.proc.pid, "rb") as f:
            self.assertNotIn(b"s3cret", f.read())

    def test_token_file_must_be_private_and_token_option_is_gone(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "token")
            with open(path, "w") as f:
                f.write("f1le\n")
            os.chmod(path, 0o644)
            with self.assertRaises(ValueError) as e:
                w.read_token_file(path)
            self.assertIn("chmod 600", str(e.exception))
            os.chmod(path, 0o600)
            self.assertEqual("f1le", w.read_token_file(path))
        with self.assertRaises(SystemExit):
            w.parse_args(["--fake", "--token", "t"])

    def test_missing_token_refused(self):
        c = self.connect(handshake=False)
        r = c.hello()
        self.assertEqual(("error", "auth"), (r["type"], r["kind"]))
        self.assertIsNone(c.recv())

    def test_wrong_token_refused(self):
        c = self.connect(handshake=False)
        r = c.hello(token="guess")
        self.assertEqual(("error", "auth"), (r["type"], r["kind"]))
        self.assertIsNone(c.recv())

    def test_right_token_accepted(self):
        c = self.connect(handshake=False)
        r = c.hello(token="s3cret")
        self.assertEqual("hello", r["type"])
        self.assertEqual("ok", c.reply(c.call("health"))["result"]["status"])


class ExposureTest(WorkerTestCase):

    def test_heartbeats_come_when_asked_for(self):
        c = self.connect(handshake=False)
        h = c.hello(heartbeat_ms=200)
        self.assertIn("heartbeat", h["capabilities"])
        e = c.recv()
        self.assertEqual(("event", "heartbeat"), (e["type"], e["event"]), e)

    def test_a_flood_before_the_hello_is_cut_off(self):
        c = self.connect(handshake=False)
        junk = b"x" * (16 << 10)
        with self.assertRaises(OSError):
            for _ in range(4096):  # up to 64 MiB, far past the pre-hello limit
                c.sock.sendall(junk)

    def test_silence_before_the_hello_is_cut_off_within_seconds(self):
        c = self.connect(handshake=False)
        c.sock.settimeout(20)
        c.sock.sendall(b"{")
        start = time.monotonic()
        while c.file.readline():
            pass
        self.assertLess(time.monotonic() - start, 15)


LAUNCHER = """
import os, subprocess, sys, time
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     env=dict(os.environ, COHORT_PARENT_PID=str(os.getpid())))
p.stdout.readline()
print(p.pid, flush=True)
time.sleep(300)
"""


class ParentWatchTest(unittest.TestCase):

    @staticmethod
    def zombie(pid):
        """Exited but not yet reaped by whoever inherited it (os.kill(pid, 0) still succeeds)."""
        try:
            with open("/proc/%d/stat" % pid) as f:
                stat = f.read()
        except OSError:
            return False
        return stat[stat.rindex(")") + 2:].startswith("Z")

    def gone_within(self, pid, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            if self.zombie(pid):
                return True
            try:  # our own child: reap it
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return True
            except ChildProcessError:
                pass
            time.sleep(0.02)
        return False

    def test_a_worker_exits_within_2s_of_its_launcher_being_killed_with_signal_9(self):
        launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER, sys.executable, SCRIPT, "--fake", "--port", "0"],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            pid = int(launcher.stdout.readline())
            launcher.kill()
            launcher.wait(TIMEOUT)
            gone = self.gone_within(pid, 2.0)
            if not gone:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            self.assertTrue(gone, "worker %d still runs 2 s after its launcher was killed" % pid)
        finally:
            launcher.stdout.close()

    def test_a_worker_exits_when_its_stdin_ends(self):
        wp = WorkerProcess(env={"COHORT_PARENT_PID": str(os.getpid())}, stdin=subprocess.PIPE)
        try:
            wp.proc.stdin.close()
            wp.proc.wait(2.0)
        finally:
            wp.stop()


class GenerateTest(WorkerTestCase):

    def test_result_shape(self):
        c = self.connect()
        r = c.reply(c.call("generate", gen_params(stop_token_ids=[3, 9, 17, 30, 41, 50])))
        res = r["result"]
        self.assertEqual(0, res["weights_version"])
        self.assertEqual(2, len(res["completions"]))
        finishes = set()
        for per_prompt in res["completions"]:
            self.assertEqual(3, len(per_prompt))
            for comp in per_prompt:
                self.assertEqual({"token_ids", "logprobs", "finish_reason"}, set(comp))
                ids, lps = comp["token_ids"], comp["logprobs"]
                self.assertTrue(1 <= len(ids) <= 6)
                self.assertEqual(len(ids), len(lps))
                self.assertTrue(all(isinstance(t, int) for t in ids))
                self.assertTrue(all(isinstance(x, float) and x < 0 for x in lps))
                stops = [t for t in ids if t in (3, 9, 17, 30, 41, 50)]
                if comp["finish_reason"] == "stop":
                    self.assertEqual([ids[-1]], stops)  # the stop token ends it and is kept
                else:
                    self.assertEqual("length", comp["finish_reason"])
                    self.assertEqual(6, len(ids))
                    self.assertEqual([], stops)
                finishes.add(comp["finish_reason"])
        self.assertEqual({"stop", "length"}, finishes)  # this seed hits both

    def test_deterministic_and_seed_dependent(self):
        c = self.connect()
        a = c.reply(c.call("generate", gen_params()))["result"]
        b = c.reply(c.call("generate", gen_params()))["result"]
        other = c.reply(c.call("generate", gen_params(seed=8)))["result"]
        self.assertEqual(a, b)
        self.assertNotEqual(a, other)
        comps = a["completions"][0]
        self.assertEqual(3, len({json.dumps(x["token_ids"]) for x in comps}))  # n samples differ

    def test_logprobs_off(self):
        c = self.connect()
        res = c.reply(c.call("generate", gen_params(logprobs=False)))["result"]
        self.assertIsNone(res["completions"][0][0]["logprobs"])

    def test_version_mismatch(self):
        c = self.connect()
        r = c.reply(c.call("generate", gen_params(weights_version=3)))
        self.assertEqual("version_mismatch", r["error"]["kind"])
        self.assertIn("3", r["error"]["message"])

    def test_bad_params_name_the_field(self):
        c = self.connect()
        cases = [
            ({"prompts": None}, "prompts"),
            ({"prompts": [[1, "a"]]}, "prompts[0]"),
            ({"temperature": "hot"}, "temperature"),
            ({"n": 0}, "n"),
            ({"top_p": 0}, "top_p"),
            ({"weights_version": "1"}, "weights_version"),
        ]
        for over, field in cases:
            r = c.reply(c.call("generate", gen_params(**over)))
            self.assertEqual("bad_request", r["error"]["kind"], over)
            self.assertTrue(r["error"]["message"].startswith("params.%s:" % field), r["error"]["message"])
        params = gen_params()
        del params["max_tokens"]
        r = c.reply(c.call("generate", params))
        self.assertEqual("bad_request", r["error"]["kind"])
        self.assertIn("params.max_tokens", r["error"]["message"])

    def test_unknown_method(self):
        c = self.connect()
        r = c.reply(c.call("frobnicate"))
        self.assertEqual("unknown_method", r["error"]["kind"])
        self.assertIn("frobnicate", r["error"]["message"])

    def test_engine_exception_is_internal_error_and_worker_keeps_serving(self):
        c = self.connect()
        r = c.reply(c.call("generate", gen_params(fake_error="CUDA out of memory (pretend)")))
        self.assertEqual("internal", r["error"]["kind"])
        self.assertIn("CUDA out of memory", r["error"]["message"])
        ok = c.reply(c.call("generate", gen_params()))
        self.assertIn("result", ok)
        self.assertEqual("ok", c.reply(c.call("health"))["result"]["status"])


class ConcurrencyTest(WorkerTestCase):

    def test_health_answered_during_a_slow_generate(self):
        c = self.connect()
        t0 = time.monotonic()
        slow = c.call("generate", gen_params(fake_delay_ms=800))
        health = c.call("health")
        h = c.reply(health)  # arrives first: replies are matched by id, not order
        self.assertLess(time.monotonic() - t0, 0.5)
        self.assertEqual({"status": "ok", "weights_version": 0, "in_flight": 1}, h["result"])
        g = c.reply(slow)
        self.assertIn("completions", g["result"])
        self.assertGreaterEqual(time.monotonic() - t0, 0.8)

    def test_call_that_waits_past_its_deadline_gets_deadline(self):
        c = self.connect()
        slow = c.call("generate", gen_params(fake_delay_ms=400))
        late = c.call("generate", gen_params(), deadline_ms=100)
        self.assertIn("result", c.reply(slow))
        r = c.reply(late)
        self.assertEqual("deadline", r["error"]["kind"])

    def test_fire_and_forget_is_never_answered(self):
        c = self.connect()
        c.send({"type": "fire_and_forget", "method": "reset_prefix_cache", "params": {}})
        # Queued behind the reset on the engine thread: the next frame is this reply, nothing else.
        gid = c.call("generate", gen_params())
        self.assertIn("result", c.reply(gid))
        hid = c.call("health")
        self.assertEqual("ok", c.reply(hid)["result"]["status"])

    def test_refused_reset_is_a_warning_event(self):
        c = self.connect()
        c.send({"type": "fire_and_forget", "method": "reset_prefix_cache", "params": {"fake_result": False}})
        e = c.recv()
        self.assertEqual("event", e["type"])
        self.assertEqual("warning", e["event"])
        self.assertIn("reset_prefix_cache", e["message"])
        self.assertEqual(0, e["weights_version"])
        c.send({"type": "fire_and_forget", "method": "reset_prefix_cache", "params": {"fake_error": "boom"}})
        e = c.recv()
        self.assertEqual(("event", "warning"), (e["type"], e["event"]))
        self.assertIn("boom", e["message"])
        self.assertEqual("ok", c.reply(c.call("health"))["result"]["status"])

    def test_reset_as_a_call_is_a_bad_request(self):
        c = self.connect()
        r = c.reply(c.call("reset_prefix_cache"))
        self.assertEqual("bad_request", r["error"]["kind"])

    def test_reply_of_a_closed_connection_never_reaches_the_next(self):
        a = self.connect()
        a.call("generate", gen_params(fake_delay_ms=500, n=1), call_id=1)
        a.close()
        self.clients.remove(a)
        deadline = time.monotonic() + TIMEOUT
        while True:  # the worker notices the close, then accepts the next client
            b = self.connect(handshake=False)
            if b.hello()["type"] == "hello" or time.monotonic() > deadline:
                break
        b.call("generate", gen_params(n=2), call_id=1)  # the same id as the abandoned call
        r = b.reply(1)
        self.assertEqual(2, len(r["result"]["completions"][0]))  # b's own call, not a's
        self.assertEqual("ok", b.reply(b.call("health", call_id=2))["result"]["status"])
        time.sleep(0.3)  # past a's generate: nothing more may arrive
        b.sock.settimeout(0.2)
        with self.assertRaises(socket.timeout):
            b.recv()


class WeightsTest(WorkerTestCase):

    def test_load_weights_changes_version_and_outputs(self):
        c = self.connect()
        before = c.reply(c.call("generate", gen_params()))["result"]
        with tempfile.TemporaryDirectory() as ckpt:
            r = c.reply(c.call("load_weights", {"path": ckpt, "version": 1}))
        self.assertEqual({"weights_version": 1}, r["result"])
        self.assertEqual("version_mismatch", c.reply(c.call("generate", gen_params()))["error"]["kind"])
        after = c.reply(c.call("generate", gen_params(weights_version=1)))["result"]
        self.assertEqual(1, after["weights_version"])
        self.assertNotEqual(before["completions"], after["completions"])
        self.assertEqual(1, c.reply(c.call("health"))["result"]["weights_version"])

    def test_missing_checkpoint_is_a_bad_request_and_keeps_the_version(self):
        c = self.connect()
        r = c.reply(c.call("load_weights", {"path": "/nonexistent/ckpt", "version": 1}))
        self.assertEqual("bad_request", r["error"]["kind"])
        self.assertIn("params.path", r["error"]["message"])
        self.assertEqual(0, c.reply(c.call("health"))["result"]["weights_version"])
        r = c.reply(c.call("load_weights", {"path": "/tmp"}))
        self.assertIn("params.version", r["error"]["message"])

    def test_load_that_fails_part_way_blocks_generate_until_a_load_succeeds(self):
        c = self.connect()
        with tempfile.TemporaryDirectory() as ckpt:
            r = c.reply(c.call("load_weights", {"path": ckpt, "version": 1, "fake_error": "disk gone"}))
            self.assertEqual("internal", r["error"]["kind"])
            self.assertEqual(-1, c.reply(c.call("health"))["result"]["weights_version"])
            self.assertEqual("version_mismatch", c.reply(c.call("generate", gen_params()))["error"]["kind"])
            self.assertIn("result", c.reply(c.call("load_weights", {"path": ckpt, "version": 1})))
        self.assertIn("result", c.reply(c.call("generate", gen_params(weights_version=1))))


def write_adapter(d, r=4, peft_type="LORA"):
    """A PEFT adapter directory's config (the tensors are vLLM's business, not this script's)."""
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, w.ADAPTER_CONFIG), "w") as f:
        json.dump({"peft_type": peft_type, "r": r, "lora_alpha": 8, "target_modules": ["q_proj"]}, f)
    return d


class AdapterTest(WorkerTestCase):

    def test_fake_worker_advertises_and_loads_adapters_by_version(self):
        c = Client(self.worker.port)
        self.clients.append(c)
        self.assertIn("load_adapter", c.hello()["capabilities"])
        with tempfile.TemporaryDirectory() as d:
            adapter = write_adapter(os.path.join(d, "v1"))
            r = c.reply(c.call("load_adapter", {"path": adapter, "base": d, "version": 1}))
            self.assertEqual({"weights_version": 1}, r["result"])
            self.assertIn("result", c.reply(c.call("generate", gen_params(weights_version=1))))
            r = c.reply(c.call("load_adapter", {"path": adapter, "version": 2}))
            self.assertEqual("bad_request", r["error"]["kind"])
            self.assertIn("params.base", r["error"]["message"])
            r = c.reply(c.call("load_adapter", {"path": d, "base": d, "version": 2}))  # no adapter_config.json
            self.assertEqual("bad_request", r["error"]["kind"])
            self.assertIn("not a PEFT adapter directory", r["error"]["message"])
        self.assertEqual(1, c.reply(c.call("health"))["result"]["weights_version"])


class FramingTest(WorkerTestCase):
    worker_args = ("--max-frame", "2048")

    def assertDropped(self, c):
        try:
            self.assertIsNone(c.recv())
        except ConnectionResetError:
            pass

    def test_frame_too_long_drops_the_connection(self):
        c = self.connect()
        c.send({"type": "call", "id": 1, "method": "health", "params": {"pad": "x" * 4096}})
        self.assertDropped(c)
        self.clients.remove(c)
        c.close()
        # ... and the worker serves the next client.
        deadline = time.monotonic() + TIMEOUT
        while True:
            d = self.connect(handshake=False)
            if d.hello()["type"] == "hello" or time.monotonic() > deadline:
                break
        self.assertEqual("ok", d.reply(d.call("health"))["result"]["status"])

    def test_result_over_the_frame_limit_is_an_internal_error(self):
        c = self.connect()
        r = c.reply(c.call("generate", gen_params(max_tokens=500, n=4)))
        self.assertEqual("internal", r["error"]["kind"])
        self.assertIn("maximum frame", r["error"]["message"])

    def test_not_json_drops_the_connection_with_a_warning(self):
        c = self.connect()
        c.sock.sendall(b"{not json\n")
        e = c.recv()
        self.assertEqual(("event", "warning"), (e["type"], e["event"]))
        self.assertDropped(c)


class ShutdownTest(WorkerTestCase):

    def test_shutdown_replies_then_exits_zero(self):
        c = self.connect()
        r = c.reply(c.call("shutdown"))
        self.assertEqual({}, r["result"])
        self.assertIsNone(c.recv())
        self.assertEqual(0, self.worker.proc.wait(TIMEOUT))


class InProcessTest(unittest.TestCase):
    """Params checking and the fake engine, without a socket."""

    def test_defaults(self):
        req = w.parse_generate({"prompts": [[1]], "max_tokens": 2, "weights_version": 0})
        self.assertEqual((1, 1.0, 1.0, 0, 0.0, None, True, []),
                         (req.n, req.temperature, req.top_p, req.top_k, req.min_p, req.seed, req.logprobs,
                          req.stop_token_ids))

    def test_booleans_are_not_integers(self):
        with self.assertRaises(w.BadRequest) as ctx:
            w.parse_generate({"prompts": [[True]], "max_tokens": 2, "weights_version": 0})
        self.assertEqual("prompts[0]", ctx.exception.field)

    def test_greedy_fake_gives_identical_completions(self):
        req = w.parse_generate({"prompts": [[1, 2]], "n": 4, "max_tokens": 5, "temperature": 0.0,
                                "seed": 3, "weights_version": 0})
        comps = w.FakeEngine().generate(req, {})[0]
        self.assertEqual(1, len({json.dumps(x) for x in comps}))

    def test_equal_prompts_in_one_batch_differ(self):
        req = w.parse_generate({"prompts": [[1, 2], [1, 2]], "max_tokens": 5, "seed": 3, "weights_version": 0})
        a, b = w.FakeEngine().generate(req, {})
        self.assertNotEqual(a, b)

    def test_adapter_requests_take_a_new_id_per_version_and_check_the_rank(self):
        reqs = w.AdapterRequests(max_rank=8)
        with tempfile.TemporaryDirectory() as d:
            a = write_adapter(os.path.join(d, "v3"), r=8)
            self.assertEqual({"lora_name": "cohort-v3", "lora_int_id": 1, "lora_path": a}, reqs.next(a, 3))
            self.assertEqual({"lora_name": "cohort-v4", "lora_int_id": 2, "lora_path": a}, reqs.next(a, 4))
            with self.assertRaises(w.LoadRejected) as ctx:
                reqs.next(write_adapter(os.path.join(d, "big"), r=16), 5)
            self.assertIn("r=16 exceeds the worker's max_lora_rank 8", str(ctx.exception))
            with self.assertRaises(w.LoadRejected):
                reqs.next(write_adapter(os.path.join(d, "ia3"), peft_type="IA3"), 5)
        self.assertEqual(2, reqs.last_id, "a refused adapter takes no id")

    def test_lora_flags_become_llm_kwargs(self):
        args = w.parse_args(["--model", "m", "--enable-lora", "--max-lora-rank", "32", "--vllm-arg", "max_loras=1"])
        self.assertEqual({"enable_lora": True, "max_lora_rank": 32, "max_loras": 1}, w.llm_kwargs(args))
        self.assertEqual({}, w.llm_kwargs(w.parse_args(["--model", "m"])))

    def test_infinite_logprob_is_made_finite(self):
        self.assertEqual(-1e30, w._finite(float("-inf")))
        self.assertEqual(-0.5, w._finite(-0.5))


class VllmEngineWithStubTest(unittest.TestCase):
    """VllmEngine against stand-in `vllm` and `safetensors.torch` modules that record what they
    are given: checks this script's side of the calls (arguments, output mapping), not vLLM."""

    def setUp(self):
        import types
        self.calls = calls = []

        class SamplingParams:
            def __init__(self, **kw):
                self.kw = kw

        class Logprob:
            def __init__(self, logprob):
                self.logprob = logprob

        class Completion:
            def __init__(self, index, token_ids, finish_reason, logprobs):
                self.index, self.token_ids, self.finish_reason, self.logprobs = index, token_ids, finish_reason, logprobs

        class Output:
            def __init__(self, outputs):
                self.outputs = outputs

        class Model:
            def load_weights(self, weights):
                calls.append(("load_weights", list(weights)))

        class LLM:
            def __init__(self, model, **kw):
                calls.append(("LLM", model, kw))

            def generate(self, prompts, sampling_params=None, use_tqdm=True, lora_request=None):
                calls.append(("generate", prompts, [sp.kw for sp in sampling_params]))
                calls.append(("lora_request", lora_request and lora_request.args))
                outs = []
                for p in prompts:
                    ids = p["prompt_token_ids"]
                    comps = [Completion(1, [ids[0], 2], "stop", [{ids[0]: Logprob(-0.5), 99: Logprob(-9.0)}, {2: Logprob(float("-inf"))}]),
                             Completion(0, [7], "length", [{7: Logprob(-1.25)}])]
                    outs.append(Output(comps))
                return outs

            def reset_prefix_cache(self):
                return False

            def apply_model(self, func):
                return [func(Model())]

        class LoRARequest:
            def __init__(self, lora_name, lora_int_id, lora_path):
                self.args = (lora_name, lora_int_id, lora_path)

        vllm = types.ModuleType("vllm")
        vllm.LLM, vllm.SamplingParams = LLM, SamplingParams
        lora_request = types.ModuleType("vllm.lora.request")
        lora_request.LoRARequest = LoRARequest
        safetensors = types.ModuleType("safetensors")
        st_torch = types.ModuleType("safetensors.torch")
        st_torch.load_file = lambda f, device="cpu": {"w." + os.path.basename(f): device}
        safetensors.torch = st_torch
        modules = {"vllm": vllm, "vllm.lora": types.ModuleType("vllm.lora"), "vllm.lora.request": lora_request,
                   "safetensors": safetensors, "safetensors.torch": st_torch}
        self.saved = {k: sys.modules.get(k) for k in modules}
        sys.modules.update(modules)

    def tearDown(self):
        for k, v in self.saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v

    def test_generate_maps_params_and_outputs(self):
        engine = w.VllmEngine("m", {"gpu_memory_utilization": 0.5})
        self.assertEqual(("LLM", "m", {"gpu_memory_utilization": 0.5}), self.calls[0])
        req = w.parse_generate({"prompts": [[5, 6], [8]], "n": 2, "max_tokens": 4, "temperature": 0.7, "top_p": 0.9,
                                "seed": 10, "stop_token_ids": [2], "weights_version": 0})
        res = engine.generate(req, {})
        _, prompts, sps = self.calls[1]
        self.assertEqual(("lora_request", None), self.calls[2])
        self.assertEqual([{"prompt_token_ids": [5, 6]}, {"prompt_token_ids": [8]}], prompts)
        self.assertEqual(dict(n=2, temperature=0.7, top_p=0.9, top_k=-1, min_p=0.0, max_tokens=4, seed=10,
                              logprobs=0, stop_token_ids=[2]), sps[0])
        self.assertEqual(11, sps[1]["seed"])
        self.assertEqual([{"token_ids": [7], "logprobs": [-1.25], "finish_reason": "length"},
                          {"token_ids": [5, 2], "logprobs": [-0.5, -1e30], "finish_reason": "stop"}], res[0])
        self.assertEqual([8, 2], res[1][1]["token_ids"])
        w.json.dumps(res, allow_nan=False)

    def test_load_weights_and_reset(self):
        engine = w.VllmEngine("m", {})
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(w.LoadRejected):
                engine.load_weights(d, {})  # no safetensors yet
            for name in ("model-00002.safetensors", "model-00001.safetensors"):
                open(os.path.join(d, name), "w").close()
            engine.load_weights(d, {})
        self.assertEqual(("load_weights", [("w.model-00001.safetensors", "cpu"), ("w.model-00002.safetensors", "cpu")]),
                         self.calls[-1])
        self.assertFalse(engine.reset_prefix_cache({}))

    def test_adapters_load_the_base_once_and_ride_on_every_generate(self):
        with tempfile.TemporaryDirectory() as d:
            model = os.path.join(d, "model")
            base = os.path.join(d, "base")
            for ckpt in (model, base):
                os.makedirs(ckpt)
                open(os.path.join(ckpt, "model.safetensors"), "w").close()
            engine = w.VllmEngine(model, {"enable_lora": True, "max_lora_rank": 8})
            self.assertIn("load_adapter", engine.capabilities())
            self.assertNotIn("load_adapter", w.VllmEngine(model, {}).capabilities())
            req = w.parse_generate({"prompts": [[5]], "max_tokens": 2, "weights_version": 1})
            for v in (1, 2):
                engine.load_adapter(write_adapter(os.path.join(d, "v%d" % v)), base, v, {})
                engine.generate(req, {})
            loads = [c for c in self.calls if c[0] == "load_weights"]
            self.assertEqual([("load_weights", [("w.model.safetensors", "cpu")])], loads, "the base, once")
            lora = [c[1] for c in self.calls if c[0] == "lora_request"]
            self.assertEqual([("cohort-v1", 1, os.path.join(d, "v1")), ("cohort-v2", 2, os.path.join(d, "v2"))], lora)
            engine.load_weights(base, {})  # full weights again: no adapters
            engine.generate(req, {})
            self.assertEqual(("lora_request", None), self.calls[-1])


if __name__ == "__main__":
    unittest.main()
