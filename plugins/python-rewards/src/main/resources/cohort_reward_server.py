"""Cohort's reward server: serves the reward functions of a Python module, written for TRL's
GRPOTrainer, to the python-rewards bundle, unchanged (docs/rewards.md).

Standard library only. The bundle launches `python cohort_reward_server.py --module M --functions
f,g`; the server imports the module, prints `listening on <port>` and speaks the inference-worker
protocol (docs/worker-protocol.md) on 127.0.0.1: newline-delimited JSON, a hello with versions and
a token (from $COHORT_WORKER_TOKEN), calls with ids and deadlines, one reply per call, heartbeat
events. Methods: `describe`, `score`, `health`, `shutdown`.

Functions run one at a time on the main thread, as TRL runs them (signal-based timeouts inside
them, such as math-verify's, keep working); async functions are awaited on one event loop that
lives as long as the server. A call that passes its deadline is interrupted where it is (the
reply carries the traceback); one that cannot be interrupted (stuck in native code) ends the
server, which the bundle relaunches.
"""

import argparse
import asyncio
import hmac
import importlib
import importlib.util
import inspect
import json
import math
import numbers
import os
import queue
import signal
import socket
import sys
import threading
import time
import traceback

PROTOCOL = 1
PARENT_ENV = "COHORT_PARENT_PID"
TOKEN_ENV = "COHORT_WORKER_TOKEN"
MAX_HELLO_FRAME = 64 << 10
HELLO_DEADLINE_S = 5.0
#: How long a function past its deadline may take to stop after being interrupted.
INTERRUPT_GRACE_S = 2.0


class CallError(Exception):
    """A call that fails with an error reply of this kind."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
        self.message = message


class DeadlinePassed(BaseException):
    """Raised inside a reward function whose call passed its deadline (BaseException, so that
    a function's own `except Exception` does not swallow it)."""


class TrainerState:
    """What TRL's `trainer_state` argument offers that Cohort knows: the global step."""

    def __init__(self, global_step):
        self.global_step = global_step

    def __repr__(self):
        return "TrainerState(global_step=%d)" % self.global_step


# --------------------------------------------------------------------------------------------
# The module and its functions
# --------------------------------------------------------------------------------------------

def load_module(spec):
    """A module from a file path (`rewards.py`, `dir/rewards.py`) or a dotted name (`pkg.rewards`).
    A file's folder joins sys.path, so that it imports its neighbours as it would when run."""
    if spec.endswith(".py") or os.sep in spec or os.path.isfile(spec):
        path = os.path.abspath(spec)
        if not os.path.isfile(path):
            raise ImportError("no file %s" % path)
        name = os.path.splitext(os.path.basename(path))[0]
        sys.path.insert(0, os.path.dirname(path))
        loader_spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[name] = module
        loader_spec.loader.exec_module(module)
        return module
    return importlib.import_module(spec)


def find_functions(module, names):
    """{name: callable} for every name; a name that is missing or not callable is an error."""
    found = {}
    for name in names:
        f = getattr(module, name, None)
        if f is None:
            public = sorted(n for n in dir(module) if not n.startswith("_") and callable(getattr(module, n)))
            raise LookupError("module %s has no function '%s'; its callables: %s" % (module.__name__, name, public))
        if not callable(f):
            raise LookupError("%s.%s is a %s, not a function" % (module.__name__, name, type(f).__name__))
        found[name] = f
    return found


def is_async(f):
    return inspect.iscoroutinefunction(f) or inspect.iscoroutinefunction(getattr(f, "__call__", None))


# --------------------------------------------------------------------------------------------
# TRL's calling convention
# --------------------------------------------------------------------------------------------

def trl_arguments(params):
    """The keyword arguments TRL's GRPOTrainer passes a reward function, from a `score` call."""
    try:
        prompts = params["prompts"]
        completions = params["completions"]
        completion_ids = params["completion_ids"]
        columns = params.get("columns", {})
        step = int(params.get("step", 0))
    except (KeyError, TypeError, ValueError) as e:
        raise CallError("bad_request", "score: %s: %s" % (type(e).__name__, e))
    n = len(prompts)
    if len(completions) != n or len(completion_ids) != n:
        raise CallError("bad_request", "score: %d prompts, %d completions, %d completion_ids"
                        % (n, len(completions), len(completion_ids)))
    if params.get("conversational"):
        completions = [[{"role": "assistant", "content": c}] for c in completions]
    kwargs = dict(columns)
    kwargs["trainer_state"] = TrainerState(step)
    extras, metrics = {}, {}
    kwargs["log_extra"] = lambda column, values: extras.setdefault(column, []).extend(values)
    kwargs["log_metric"] = lambda name, value: metrics.setdefault(name, []).append(value)
    kwargs.update(prompts=prompts, completions=completions, completion_ids=completion_ids)
    return kwargs, n, metrics


def as_rewards(name, out, n):
    """The function's output as JSON values: numbers, None (TRL's None and NaN: no reward)."""
    if out is None or isinstance(out, (str, bytes, dict)) or not hasattr(out, "__iter__"):
        raise CallError("bad_result", "%s returned %s, not a list of %d rewards" % (name, describe(out), n))
    values = list(out)
    if len(values) != n:
        raise CallError("bad_result", "%s returned %d values for %d samples" % (name, len(values), n))
    rewards = []
    for i, v in enumerate(values):
        if v is None:
            rewards.append(None)
            continue
        if isinstance(v, (str, bytes)) or not (isinstance(v, numbers.Real) or hasattr(v, "__float__")):
            raise CallError("bad_result", "%s returned %s for sample %d; expected a number or None"
                            % (name, describe(v), i))
        x = float(v)
        if math.isinf(x):
            raise CallError("bad_result", "%s returned %s for sample %d (use None for no reward)" % (name, x, i))
        rewards.append(None if math.isnan(x) else x)
    return rewards


def user_traceback(e):
    """The traceback of an exception from a reward function, without this server's frames."""
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(e), e, tb))


def finite(metrics):
    """Values logged with log_metric, as JSON numbers (a value that is not a finite number: None)."""
    out = {}
    for name, values in metrics.items():
        out[str(name)] = [float(v) if isinstance(v, numbers.Real) and math.isfinite(v) else None for v in values]
    return out


def describe(v):
    text = repr(v)
    return "%s %s" % (type(v).__name__, text if len(text) <= 60 else text[:60] + "...")


# --------------------------------------------------------------------------------------------
# Frames
# --------------------------------------------------------------------------------------------

class Connection:
    """One client connection: frames in, frames out (writes serialised)."""

    def __init__(self, sock, max_frame):
        self.sock = sock
        self.max_frame = max_frame
        self.buf = b""
        self.lock = threading.Lock()
        self.closed = False

    def read_frame(self, limit=None):
        limit = limit or self.max_frame
        while b"\n" not in self.buf:
            if len(self.buf) > limit:
                raise CallError("bad_request", "frame longer than %d bytes" % limit)
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        if len(line) > limit:
            raise CallError("bad_request", "frame longer than %d bytes" % limit)
        return json.loads(line.decode("utf-8"))

    def send(self, obj):
        data = (json.dumps(obj, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
        with self.lock:
            if self.closed:
                return False
            try:
                self.sock.sendall(data)
                return True
            except OSError:
                self.closed = True
                return False

    def close(self):
        with self.lock:
            self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class Job:
    def __init__(self, conn, call_id, params, deadline_ms):
        self.conn = conn
        self.id = call_id
        self.params = params
        self.deadline = time.monotonic() + max(0, deadline_ms) / 1000.0
        self.deadline_ms = deadline_ms
        self.answered = False
        self.lock = threading.Lock()

    def reply(self, result=None, kind=None, message=None):
        """Sends this call's one reply; later attempts are dropped."""
        with self.lock:
            if self.answered:
                return
            self.answered = True
        if kind is None:
            self.conn.send({"type": "reply", "id": self.id, "result": result})
        else:
            self.conn.send({"type": "reply", "id": self.id, "error": {"kind": kind, "message": message}})


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------

class Server:
    """Serves one module's functions to one client at a time; calls run on the main thread."""

    def __init__(self, module, functions, token, max_frame=64 << 20, exit_fn=None):
        self.module = module
        self.functions = functions
        self.token = token
        self.max_frame = max_frame
        self.exit_fn = exit_fn or exit_now
        self.jobs = queue.Queue()
        self.current = None  # the job the main thread runs, guarded by self.lock
        self.in_user_code = False
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()

    # ---- connections (on their own threads)

    def serve_forever(self, listener):
        def accept():
            while True:
                sock, _ = listener.accept()
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                threading.Thread(target=self.serve, args=(Connection(sock, self.max_frame),),
                                 name="connection", daemon=True).start()
        threading.Thread(target=accept, name="accept", daemon=True).start()
        threading.Thread(target=self.watchdog, name="watchdog", daemon=True).start()
        self.run_jobs()

    def serve(self, conn):
        heartbeat = self.handshake(conn)
        if heartbeat is None:
            conn.close()
            return
        if heartbeat > 0:
            threading.Thread(target=self.beat, args=(conn, heartbeat), name="heartbeat", daemon=True).start()
        try:
            while True:
                msg = conn.read_frame()
                if msg is None:
                    break
                self.on_message(conn, msg)
        except (CallError, ValueError, OSError) as e:
            log("connection ended: %s" % e)
        conn.close()

    def handshake(self, conn):
        """The heartbeat interval the client asked for (0: none), or None after a refusal."""
        conn.sock.settimeout(HELLO_DEADLINE_S)
        try:
            hello = conn.read_frame(MAX_HELLO_FRAME)
        except (CallError, ValueError, OSError) as e:
            log("no valid hello: %s" % e)
            return None
        finally:
            conn.sock.settimeout(None)

        def refuse(kind, message):
            conn.send({"type": "error", "kind": kind, "message": message})
            return None
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            return refuse("bad_request", "expected a hello")
        if hello.get("protocol") != PROTOCOL:
            return refuse("version_mismatch", "this server speaks protocol %d, the client %s"
                          % (PROTOCOL, hello.get("protocol")))
        if self.token and not hmac.compare_digest(str(hello.get("token") or ""), self.token):
            return refuse("unauthorized", "wrong or missing token")
        conn.send({"type": "hello", "protocol": PROTOCOL, "worker_id": "python-rewards",
                   "model": self.module.__name__, "weights_version": 0,
                   "capabilities": ["heartbeat", "rewards"]})
        interval = hello.get("heartbeat_ms") or 0
        return interval / 1000.0 if isinstance(interval, (int, float)) and interval > 0 else 0

    def beat(self, conn, interval):
        while not conn.closed:
            time.sleep(interval)
            conn.send({"type": "event", "event": "heartbeat", "message": "alive"})

    def on_message(self, conn, msg):
        if msg.get("type") == "fire_and_forget":
            return
        if msg.get("type") != "call" or not isinstance(msg.get("id"), int):
            raise CallError("bad_request", "unexpected message %r" % (msg.get("type"),))
        params = msg.get("params") if isinstance(msg.get("params"), dict) else {}
        deadline_ms = msg.get("deadline_ms") or 0
        if isinstance(params.get("timeout_ms"), int) and 0 < params["timeout_ms"] < deadline_ms:
            deadline_ms = params["timeout_ms"]  # the function's own limit; the call's leaves time to report
        job = Job(conn, msg["id"], params, deadline_ms)
        method = msg.get("method")
        if method == "health":
            job.reply({"in_flight": self.jobs.qsize() + (1 if self.current else 0)})
        elif method == "describe":
            job.reply(self.describe())
        elif method == "shutdown":
            job.reply({})
            conn.close()
            self.exit_fn(0)
        elif method == "score":
            self.jobs.put(job)
        else:
            job.reply(kind="unknown_method", message="unknown method %r" % (method,))

    def describe(self):
        return {"module": self.module.__name__, "python": sys.version.split()[0],
                "functions": [{"name": n, "async": is_async(f)} for n, f in self.functions.items()]}

    # ---- calls (on the main thread)

    def run_jobs(self):
        signal.signal(signal.SIGUSR1, self.interrupt)
        while True:
            try:
                job = self.jobs.get()
                if time.monotonic() >= job.deadline:
                    job.reply(kind="deadline", message="the call waited past its deadline of %d ms"
                              % job.deadline_ms)
                    continue
                self.run(job)
            except DeadlinePassed:
                pass  # arrived after the call ended: nothing to interrupt

    def run(self, job):
        name = job.params.get("function")
        f = self.functions.get(name)
        if f is None:
            job.reply(kind="bad_request", message="unknown function %r; served: %s" % (name, sorted(self.functions)))
            return
        try:
            kwargs, n, metrics = trl_arguments(job.params)
            out = self.call(job, f, kwargs)
            job.reply({"rewards": as_rewards(name, out, n), "metrics": finite(metrics)})
        except CallError as e:
            job.reply(kind=e.kind, message=e.message)
        except DeadlinePassed as e:
            job.reply(kind="deadline", message="%s ran past its deadline of %d ms and was interrupted:\n%s"
                      % (name, job.deadline_ms, user_traceback(e)))
        except Exception as e:
            job.reply(kind="reward_error", message="%s raised:\n%s" % (name, user_traceback(e)))

    def call(self, job, f, kwargs):
        with self.lock:
            self.current = job
            self.in_user_code = True
        try:
            out = f(**kwargs)
            if inspect.isawaitable(out):
                out = self.await_(out)
            return out
        finally:
            with self.lock:
                self.in_user_code = False
                self.current = None

    def await_(self, awaitable):
        task = asyncio.ensure_future(awaitable, loop=self.loop)
        try:
            return self.loop.run_until_complete(task)
        except BaseException:
            task.cancel()
            try:
                self.loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
            except BaseException:
                pass
            raise

    def interrupt(self, signum, frame):
        if self.in_user_code:
            raise DeadlinePassed()

    def watchdog(self):
        """Interrupts a call past its deadline; ends the server when the call does not stop."""
        while True:
            time.sleep(0.02)
            job = self.current
            if job is None or time.monotonic() < job.deadline:
                continue
            os.kill(os.getpid(), signal.SIGUSR1)
            stop_by = time.monotonic() + INTERRUPT_GRACE_S
            while self.current is job and time.monotonic() < stop_by:
                time.sleep(0.01)
            if self.current is job:
                stack = "".join(traceback.format_stack(sys._current_frames().get(threading.main_thread().ident)))
                job.reply(kind="deadline", message="%s ran past its deadline of %d ms and could not be interrupted"
                          " (native code?); the server restarts. Where it was:\n%s"
                          % (job.params.get("function"), job.deadline_ms, stack))
                log("a call could not be interrupted %.0f s after its deadline; exiting" % INTERRUPT_GRACE_S)
                self.exit_fn(3)


# --------------------------------------------------------------------------------------------
# Process
# --------------------------------------------------------------------------------------------

def log(message):
    sys.stderr.write("cohort_reward_server: %s\n" % message)
    sys.stderr.flush()


def exit_now(code):
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def watch_parent(exit_fn=exit_now):
    """Exits when the process that launched this server is gone (kill -9 included): stdin, a pipe
    only the launcher holds, reaches its end, or the parent pid is no longer the parent."""
    raw = os.environ.get(PARENT_ENV, "").strip()
    if not raw:
        return False
    parent = int(raw)

    def stdin_ended():
        try:
            while os.read(0, 256):
                pass
        except OSError:
            pass
        log("stdin reached its end: the launcher is gone; exiting")
        exit_fn(0)

    def parent_gone():
        while os.getppid() == parent:
            time.sleep(0.2)
        log("the launcher (pid %d) is gone; exiting" % parent)
        exit_fn(0)

    threading.Thread(target=stdin_ended, name="stdin-watch", daemon=True).start()
    threading.Thread(target=parent_gone, name="parent-watch", daemon=True).start()
    return True


def main(argv=None):
    p = argparse.ArgumentParser(description="Serves TRL reward functions to Cohort.")
    p.add_argument("--module", required=True, help="a .py file or a dotted module name")
    p.add_argument("--functions", required=True, help="comma-separated function names")
    p.add_argument("--max-frame", type=int, default=64 << 20)
    args = p.parse_args(argv)
    watch_parent()
    try:
        module = load_module(args.module)
        functions = find_functions(module, [n for n in args.functions.split(",") if n])
    except BaseException:
        log("cannot load module %s:\n%s" % (args.module, traceback.format_exc()))
        return 2
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    server = Server(module, functions, os.environ.get(TOKEN_ENV) or None, args.max_frame)
    sys.stdout.write("listening on %d\n" % listener.getsockname()[1])
    sys.stdout.flush()
    server.serve_forever(listener)
    return 0


if __name__ == "__main__":
    sys.exit(main())
