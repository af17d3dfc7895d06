#!/usr/bin/env python3
"""Cohort inference worker around vLLM (protocol version 1, docs/worker-protocol.md).

Serves one bridge connection at a time over TCP: newline-delimited JSON frames, a handshake
with an optional token, then calls (answered by exactly one reply with the same id),
fire_and_forget messages (never answered) and events sent by the worker.

Threads: the connection thread reads frames and answers health and shutdown itself, so that
it keeps reading while the engine works; every engine operation (generate, load_weights,
reset_prefix_cache) runs on one engine thread, in arrival order, because vLLM's LLM object
is not thread-safe. A reply is written only to the connection its call came from; once that
connection is gone its queued calls are skipped and a late reply is dropped, so a reply can
never reach another client. Every exception inside a call becomes an `internal` error reply
(a `warning` event for fire_and_forget) and the worker keeps serving.

Engines: VllmEngine (the real one; vllm is imported only when it is built) and FakeEngine
(--fake: deterministic, pure Python, for tests and demos). The protocol layer and the fake
need only Python's standard library.

Usage:
  python3 cohort_vllm_worker.py --model /path/to/hf-checkpoint [--host 127.0.0.1] [--port 0]
  python3 cohort_vllm_worker.py --fake --port 0
The first stdout line is `listening on <port>` (printed once the model is loaded); every
other output (this script's log and vLLM's) goes to stderr.
"""

from __future__ import annotations

import argparse
import functools
import glob
import hashlib
import hmac
import json
import logging
import math
import os
import queue
import random
import socket
import sys
import threading
import time
import traceback

PROTOCOL_VERSION = 1
DEFAULT_MAX_FRAME = 64 << 20
# The whole hello must arrive within this, and before the handshake at most MAX_HELLO_FRAME bytes
# are read: a client that connects and says nothing, or streams bytes without a newline, is cut off
# before it can hold the worker (one client at a time) or its memory.
HANDSHAKE_TIMEOUT_S = 5.0
MAX_HELLO_FRAME = 64 << 10
MIN_HEARTBEAT_S = 0.1
CAPABILITIES = ["generate", "load_weights", "reset_prefix_cache", "health", "shutdown", "heartbeat"]
# Advertised only by an engine that serves LoRA adapters (vLLM started with --enable-lora).
LOAD_ADAPTER = "load_adapter"
ADAPTER_CONFIG = "adapter_config.json"
TOKEN_ENV = "COHORT_WORKER_TOKEN"
PARENT_ENV = "COHORT_PARENT_PID"

# Error kinds of a reply's error.
BAD_REQUEST = "bad_request"
UNKNOWN_METHOD = "unknown_method"
VERSION_MISMATCH = "version_mismatch"
DEADLINE = "deadline"
INTERNAL = "internal"

# The version reported after a load_weights that failed part-way: the model may hold a mix of
# two checkpoints, so no generate is served until a load succeeds.
UNKNOWN_VERSION = -1

log = logging.getLogger("cohort.vllm_worker")


# --------------------------------------------------------------------------------------------
# Errors and requests
# --------------------------------------------------------------------------------------------

class CallError(Exception):
    """An error the reply reports with its own kind (anything else is `internal`)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


class BadRequest(CallError):
    def __init__(self, field: str, problem: str):
        super().__init__(BAD_REQUEST, "params.%s: %s" % (field, problem))
        self.field = field


class LoadRejected(Exception):
    """Raised by Engine.load_weights before the model was touched (its weights are unchanged)."""


class ProtocolError(Exception):
    """A frame the connection cannot go on after: the connection is dropped."""


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) and math.isfinite(v)


class GenerateRequest:
    """The validated params of a generate call."""

    __slots__ = ("prompts", "n", "max_tokens", "temperature", "top_p", "top_k", "min_p", "seed",
                 "logprobs", "stop_token_ids", "weights_version")

    def __init__(self, prompts, n, max_tokens, temperature, top_p, top_k, min_p, seed, logprobs,
                 stop_token_ids, weights_version):
        self.prompts = prompts
        self.n = n
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.top_p = top_p
        self.top_k = top_k
        self.min_p = min_p
        self.seed = seed
        self.logprobs = logprobs
        self.stop_token_ids = stop_token_ids
        self.weights_version = weights_version

    def prompt_seed(self, j: int):
        """Prompt j is sampled with seed + j, so that two equal prompts in one batch differ."""
        return None if self.seed is None else self.seed + j


def parse_generate(params: dict) -> GenerateRequest:
    """Checks generate's params; raises BadRequest naming the first wrong field."""
    prompts = params.get("prompts")
    if not isinstance(prompts, list) or not prompts:
        raise BadRequest("prompts", "must be a non-empty list of token-id lists")
    for j, p in enumerate(prompts):
        if not isinstance(p, list) or not p:
            raise BadRequest("prompts[%d]" % j, "must be a non-empty list of token ids")
        for t in p:
            if not _is_int(t) or t < 0:
                raise BadRequest("prompts[%d]" % j, "token ids must be non-negative integers, got %r" % (t,))

    def integer(name, default, minimum):
        v = params.get(name, default)
        if v is None and default is not None:
            raise BadRequest(name, "is required")
        if not _is_int(v) or v < minimum:
            raise BadRequest(name, "must be an integer >= %d, got %r" % (minimum, v))
        return v

    def number(name, default, lo, hi, lo_open=False):
        v = params.get(name, default)
        if not _is_number(v) or v < lo or v > hi or (lo_open and v == lo):
            raise BadRequest(name, "must be a number in %s%s, %s], got %r"
                             % ("(" if lo_open else "[", lo, "inf" if hi == math.inf else hi, v))
        return float(v)

    n = integer("n", 1, 1)
    if "max_tokens" not in params:
        raise BadRequest("max_tokens", "is required")
    max_tokens = integer("max_tokens", None, 1)
    temperature = number("temperature", 1.0, 0.0, math.inf)
    top_p = number("top_p", 1.0, 0.0, 1.0, lo_open=True)
    top_k = integer("top_k", 0, 0)
    min_p = number("min_p", 0.0, 0.0, 1.0)
    seed = params.get("seed")
    if seed is not None and not _is_int(seed):
        raise BadRequest("seed", "must be an integer or null, got %r" % (seed,))
    logprobs = params.get("logprobs", True)
    if not isinstance(logprobs, bool):
        raise BadRequest("logprobs", "must be true or false, got %r" % (logprobs,))
    stop = params.get("stop_token_ids", [])
    if stop is None:
        stop = []
    if not isinstance(stop, list) or any(not _is_int(t) or t < 0 for t in stop):
        raise BadRequest("stop_token_ids", "must be a list of non-negative integers")
    if "weights_version" not in params:
        raise BadRequest("weights_version", "is required")
    version = params["weights_version"]
    if not _is_int(version):
        raise BadRequest("weights_version", "must be an integer, got %r" % (version,))
    return GenerateRequest(prompts, n, max_tokens, temperature, top_p, top_k, min_p, seed, logprobs,
                           stop, version)


def parse_load_weights(params: dict):
    path = params.get("path")
    if not isinstance(path, str) or not path:
        raise BadRequest("path", "must be a non-empty string (a checkpoint directory)")
    version = params.get("version")
    if not _is_int(version) or version < 0:
        raise BadRequest("version", "must be an integer >= 0, got %r" % (version,))
    return path, version


def parse_load_adapter(params: dict):
    """load_adapter's params: (path, base, version); path is a PEFT adapter directory."""
    path, version = parse_load_weights(params)
    base = params.get("base")
    if not isinstance(base, str) or not base:
        raise BadRequest("base", "must be a non-empty string (the adapters' base checkpoint directory)")
    return path, base, version


class AdapterRequests:
    """The arguments of vLLM's LoRARequest for each synced adapter version: a new integer id per
    load (vLLM caches adapters by id, so a reused id would serve the old tensors), named after the
    version. Checks the directory is PEFT's and its rank fits max_lora_rank before vLLM sees it."""

    def __init__(self, max_rank=None):
        self.max_rank = max_rank
        self.last_id = 0

    def next(self, path: str, version: int) -> dict:
        config = os.path.join(path, ADAPTER_CONFIG)
        try:
            with open(config, encoding="utf-8") as f:
                cfg = json.load(f)
        except (OSError, ValueError) as e:
            raise LoadRejected("%s is not a PEFT adapter directory: %s" % (path, e))
        if cfg.get("peft_type") != "LORA":
            raise LoadRejected("%s: peft_type is %r, expected 'LORA'" % (config, cfg.get("peft_type")))
        r = cfg.get("r")
        if not _is_int(r) or r < 1:
            raise LoadRejected("%s: r must be an integer >= 1, got %r" % (config, r))
        if self.max_rank is not None and r > self.max_rank:
            raise LoadRejected("%s: r=%d exceeds the worker's max_lora_rank %d; restart it with --max-lora-rank %d"
                               % (config, r, self.max_rank, r))
        self.last_id += 1
        return {"lora_name": "cohort-v%d" % version, "lora_int_id": self.last_id, "lora_path": path}


# --------------------------------------------------------------------------------------------
# Engines
# --------------------------------------------------------------------------------------------

class Engine:
    """What the protocol layer needs from an inference engine. Called from one thread only."""

    model_name = ""
    serves_adapters = False

    def capabilities(self) -> list:
        return list(CAPABILITIES) + ([LOAD_ADAPTER] if self.serves_adapters else [])

    def generate(self, req: GenerateRequest, params: dict) -> list:
        """One list per prompt of req.n dicts {token_ids, logprobs (list or None), finish_reason}.

        params: the call's raw params (only FakeEngine reads its test-only fields)."""
        raise NotImplementedError

    def load_weights(self, path: str, params: dict) -> None:
        """Loads a checkpoint directory into the running model. Raises LoadRejected when the
        model was not touched; any other exception means it may be partly loaded."""
        raise NotImplementedError

    def load_adapter(self, path: str, base: str, version: int, params: dict) -> None:
        """Serves base + the PEFT adapters in path from now on (load_adapter); raises LoadRejected
        when nothing was touched."""
        raise NotImplementedError

    def reset_prefix_cache(self, params: dict) -> bool:
        """True when the prefix cache was dropped, False when the engine refused."""
        raise NotImplementedError


class FakeEngine(Engine):
    """A deterministic stand-in for vLLM, for tests and demos: no model, pure Python.

    Completion i of prompt j is drawn from a PRNG seeded with (prompt ids, seed + j, i, weights
    version), so the same call gives the same tokens and a weight load changes them; with
    temperature 0 every completion of a prompt is the same. Tokens are in [0, vocab), each with
    a log-prob in (-4, -0.05]; a token in stop_token_ids ends the completion (it is kept, as
    vLLM keeps it in token_ids) with finish_reason "stop", else it ends at max_tokens with
    "length". A missing seed counts as 0 (vLLM would then be random).

    Test-only params, ignored by VllmEngine: `fake_delay_ms` (sleep first), `fake_error`
    (raise RuntimeError with that message), and for reset_prefix_cache `fake_result` (false:
    the reset is refused, as vLLM refuses while cache blocks are in use).
    """

    def __init__(self, model_name: str = "fake", vocab: int = 64):
        self.model_name = model_name
        self.vocab = vocab
        self.loaded_path = None
        self.serves_adapters = True
        self.adapters = AdapterRequests()
        self.lora = None

    @staticmethod
    def _test_hooks(params: dict):
        delay = params.get("fake_delay_ms")
        if _is_number(delay) and delay > 0:
            time.sleep(delay / 1000.0)
        if params.get("fake_error"):
            raise RuntimeError(str(params["fake_error"]))

    def generate(self, req: GenerateRequest, params: dict) -> list:
        self._test_hooks(params)
        stop = set(req.stop_token_ids)
        result = []
        for j, prompt in enumerate(req.prompts):
            completions = []
            for i in range(req.n):
                key = json.dumps([prompt, req.prompt_seed(j) or 0, i if req.temperature > 0 else 0,
                                  req.weights_version])
                rng = random.Random(hashlib.sha256(key.encode("utf-8")).digest())
                tokens, logprobs, finish = [], [], "length"
                for _ in range(req.max_tokens):
                    tokens.append(rng.randrange(self.vocab))
                    logprobs.append(-round(rng.uniform(0.05, 4.0), 6))
                    if tokens[-1] in stop:
                        finish = "stop"
                        break
                completions.append({"token_ids": tokens,
                                    "logprobs": logprobs if req.logprobs else None,
                                    "finish_reason": finish})
            result.append(completions)
        return result

    def load_weights(self, path: str, params: dict) -> None:
        if not os.path.isdir(path):
            raise LoadRejected("no such checkpoint directory: %s" % path)
        self._test_hooks(params)
        self.loaded_path = path
        self.lora = None

    def load_adapter(self, path: str, base: str, version: int, params: dict) -> None:
        if not os.path.isdir(base):
            raise LoadRejected("no such base checkpoint directory: %s" % base)
        lora = self.adapters.next(path, version)
        self._test_hooks(params)
        self.loaded_path, self.lora = base, lora

    def reset_prefix_cache(self, params: dict) -> bool:
        self._test_hooks(params)
        return params.get("fake_result", True) is not False


class VllmEngine(Engine):
    """vLLM behind the Engine interface. Written against vLLM's documented offline API
    (vllm.LLM, SamplingParams, LLM.generate with token prompts, LLM.reset_prefix_cache);
    untested here (vLLM cannot be installed on Cohort's build machines)."""

    def __init__(self, model: str, llm_kwargs: dict):
        from vllm import LLM  # imported here so that --fake and the tests need no vllm
        self.model_name = model
        self._llm = LLM(model=model, **llm_kwargs)
        self.serves_adapters = bool(llm_kwargs.get("enable_lora"))
        self._adapters = AdapterRequests(llm_kwargs.get("max_lora_rank", 16))  # vLLM's default max_lora_rank
        self._base = os.path.realpath(model) if os.path.isdir(model) else model
        self._lora = None

    def generate(self, req: GenerateRequest, params: dict) -> list:
        from vllm import SamplingParams
        prompts = [{"prompt_token_ids": list(p)} for p in req.prompts]
        sampling = [SamplingParams(n=req.n,
                                   temperature=req.temperature,
                                   top_p=req.top_p,
                                   top_k=req.top_k if req.top_k > 0 else -1,  # -1: off in every version
                                   min_p=req.min_p,
                                   max_tokens=req.max_tokens,
                                   seed=req.prompt_seed(j),
                                   logprobs=0 if req.logprobs else None,  # 0: the sampled token's only
                                   stop_token_ids=list(req.stop_token_ids))
                    for j in range(len(req.prompts))]
        extra = {"lora_request": self._lora} if self._lora is not None else {}
        outputs = self._llm.generate(prompts, sampling_params=sampling, use_tqdm=False, **extra)
        if len(outputs) != len(prompts):
            raise RuntimeError("vLLM returned %d outputs for %d prompts" % (len(outputs), len(prompts)))
        result = []
        for out in outputs:  # LLM.generate returns the outputs in the order of the prompts
            completions = []
            for c in sorted(out.outputs, key=lambda c: c.index):
                token_ids = [int(t) for t in c.token_ids]
                lps = None
                if req.logprobs:
                    if c.logprobs is None or len(c.logprobs) != len(token_ids):
                        raise RuntimeError("vLLM returned no log-prob for some sampled tokens")
                    lps = [_finite(step[t].logprob) for t, step in zip(token_ids, c.logprobs)]
                completions.append({"token_ids": token_ids, "logprobs": lps,
                                    "finish_reason": c.finish_reason or "length"})
            result.append(completions)
        return result

    def load_weights(self, path: str, params: dict) -> None:
        if not os.path.isdir(path):
            raise LoadRejected("no such checkpoint directory: %s" % path)
        if not glob.glob(os.path.join(path, "*.safetensors")):
            raise LoadRejected("no *.safetensors file in %s" % path)
        self._lora, self._base = None, None  # the policy is this checkpoint now
        load_weights_into_running_model(self._llm, path)
        self._base = os.path.realpath(path)

    def load_adapter(self, path: str, base: str, version: int, params: dict) -> None:
        """The base checkpoint is loaded only when it is not what the model holds (once per run);
        the adapters become a LoRARequest that every later generate carries."""
        from vllm.lora.request import LoRARequest
        args = self._adapters.next(path, version)
        if os.path.realpath(base) != self._base:
            self.load_weights(base, params)
        self._lora = LoRARequest(**args)

    def reset_prefix_cache(self, params: dict) -> bool:
        # Returns False while cache blocks are in use; some versions return None on success.
        return self._llm.reset_prefix_cache() is not False


def _finite(x: float) -> float:
    """JSON has no infinities: a -inf log-prob (a token of probability 0) becomes -1e30."""
    x = float(x)
    if math.isnan(x):
        raise RuntimeError("vLLM returned a NaN log-prob")
    return max(-1e30, min(x, 0.0)) if math.isinf(x) else x


def _load_safetensors_into(model, path: str):
    """Runs where the model lives (vLLM's worker process): streams every *.safetensors file of
    the directory into model.load_weights, which maps Hugging Face names to vLLM's layout."""
    from safetensors.torch import load_file

    def weights():
        for f in sorted(glob.glob(os.path.join(path, "*.safetensors"))):
            for name, tensor in load_file(f, device="cpu").items():
                yield name, tensor

    model.load_weights(weights())
    return True


def load_weights_into_running_model(llm, path: str) -> None:
    """Loads a safetensors checkpoint into the model vLLM is serving, without a restart.

    DEPENDS ON THE vLLM VERSION. vLLM has no stable public call for this:
    - versions with LLM.apply_model (V1 engine) run the function in each worker process; the
      function is pickled to get there, which V1 allows only with
      VLLM_ALLOW_INSECURE_SERIALIZATION=1 in the environment;
    - older (V0, in-process) versions expose the model at
      llm.llm_engine.model_executor.driver_worker.model_runner.model.
    The checkpoint is read by the worker from `path` (the same file system), not sent over.
    """
    load = functools.partial(_load_safetensors_into, path=path)
    if hasattr(llm, "apply_model"):
        llm.apply_model(load)
        return
    model = llm.llm_engine.model_executor.driver_worker.model_runner.model
    load(model)


# --------------------------------------------------------------------------------------------
# Protocol layer
# --------------------------------------------------------------------------------------------

def encode(obj: dict) -> bytes:
    return (json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


class Connection:
    """One client connection: framed reads, and writes serialised by a lock. Once closed,
    writes are dropped: a reply never goes anywhere but to the connection of its call."""

    def __init__(self, sock: socket.socket, max_frame: int, name: str):
        self.sock = sock
        self.max_frame = max_frame
        self.name = name
        self.closed = False
        self.deadline = None  # monotonic time by which the hello must be read, or None
        self._buf = bytearray()
        self._scan = 0
        self._wlock = threading.Lock()

    def read_frame(self):
        """The next frame (bytes, without its newline), or None at end of stream."""
        while True:
            nl = self._buf.find(b"\n", self._scan)
            if nl >= 0:
                if nl > self.max_frame:
                    raise ProtocolError("frame longer than the maximum of %d bytes" % self.max_frame)
                frame = bytes(self._buf[:nl])
                del self._buf[:nl + 1]
                self._scan = 0
                return frame
            self._scan = len(self._buf)
            if len(self._buf) > self.max_frame:
                raise ProtocolError("frame longer than the maximum of %d bytes" % self.max_frame)
            if self.deadline is not None:
                left = self.deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout("the handshake's deadline passed")
                self.sock.settimeout(left)
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                if self._buf:
                    raise ProtocolError("connection ended inside a frame of %d bytes" % len(self._buf))
                return None
            self._buf += chunk

    def send(self, obj) -> bool:
        """Writes a message (a dict, or a frame already encoded); False when it was dropped."""
        data = obj if isinstance(obj, bytes) else encode(obj)
        with self._wlock:
            if self.closed:
                return False
            try:
                self.sock.sendall(data)
                return True
            except OSError as e:
                log.warning("%s: write failed (%s); closing", self.name, e)
                self._close_locked()
                return False

    def close(self):
        with self._wlock:
            self._close_locked()

    def _close_locked(self):
        if self.closed:
            return
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class Job:
    __slots__ = ("conn", "call_id", "method", "params", "deadline_at")

    def __init__(self, conn, call_id, method, params, deadline_at):
        self.conn = conn
        self.call_id = call_id  # None for fire_and_forget
        self.method = method
        self.params = params
        self.deadline_at = deadline_at


class Worker:
    def __init__(self, engine: Engine, worker_id: str, token, max_frame: int, exit_fn=None):
        self.engine = engine
        self.worker_id = worker_id
        self.token = token
        self.max_frame = max_frame
        self.weights_version = 0
        self.exit_fn = exit_fn or _exit_now
        self._jobs = queue.Queue()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._pending = {}  # conn -> set of call ids not yet answered
        self._active = None  # the connection being served (handshake included)
        threading.Thread(target=self._engine_loop, name="engine", daemon=True).start()

    # ---- connections -----------------------------------------------------------------------

    def serve_forever(self, server: socket.socket):
        n = 0
        while True:
            sock, addr = server.accept()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)  # notice a vanished client
            n += 1
            conn = Connection(sock, self.max_frame, "connection %d from %s:%s" % (n, addr[0], addr[1]))
            with self._lock:
                busy = self._active is not None
                if not busy:
                    self._active = conn
                    self._pending[conn] = set()
            target = self._refuse_busy if busy else self._serve
            threading.Thread(target=target, args=(conn,), name="conn-%d" % n, daemon=True).start()

    def _refuse_busy(self, conn: Connection):
        """Answers the hello of a second client with a refusal, without disturbing the first."""
        try:
            conn.sock.settimeout(2.0)
            conn.read_frame()
        except (OSError, ProtocolError):
            pass
        log.warning("%s: refused, another client is connected", conn.name)
        conn.send({"type": "error", "kind": "protocol",
                   "message": "worker %s is busy: another client is connected" % self.worker_id})
        conn.close()

    def _serve(self, conn: Connection):
        log.info("%s: accepted", conn.name)
        try:
            if self._handshake(conn):
                conn.sock.settimeout(None)
                self._read_loop(conn)
        except ProtocolError as e:
            log.warning("%s: protocol error, dropping the connection: %s", conn.name, e)
        except OSError as e:
            log.warning("%s: %s", conn.name, e)
        except Exception:  # a bug in this script: drop the connection, keep the worker
            log.error("%s: unexpected error, dropping the connection\n%s", conn.name, traceback.format_exc())
        finally:
            conn.close()
            with self._lock:
                dropped = self._pending.pop(conn, set())
                if self._active is conn:
                    self._active = None
            if dropped:
                log.warning("%s: closed with %d call(s) unanswered; their replies are dropped",
                            conn.name, len(dropped))
            log.info("%s: closed", conn.name)

    def _handshake(self, conn: Connection) -> bool:
        conn.deadline = time.monotonic() + HANDSHAKE_TIMEOUT_S
        conn.max_frame = min(self.max_frame, MAX_HELLO_FRAME)
        try:
            frame = conn.read_frame()
        except socket.timeout:
            raise ProtocolError("no hello within %.0f s" % HANDSHAKE_TIMEOUT_S)
        finally:
            conn.deadline = None
            conn.max_frame = self.max_frame
        if frame is None:
            return False

        def refuse(kind, message):
            log.warning("%s: handshake refused (%s): %s", conn.name, kind, message)
            conn.send({"type": "error", "kind": kind, "message": message})
            return False

        try:
            hello = json.loads(frame)
        except ValueError as e:
            return refuse("protocol", "hello is not JSON: %s" % e)
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            return refuse("protocol", "the first frame must be a hello")
        if hello.get("protocol") != PROTOCOL_VERSION or not _is_int(hello.get("protocol")):
            return refuse("protocol", "protocol %r is not supported; this worker speaks %d"
                          % (hello.get("protocol"), PROTOCOL_VERSION))
        if self.token is not None:
            given = hello.get("token")
            if not isinstance(given, str) or not hmac.compare_digest(given.encode("utf-8"), self.token.encode("utf-8")):
                return refuse("auth", "missing or wrong token")
        conn.send({"type": "hello", "protocol": PROTOCOL_VERSION, "worker_id": self.worker_id,
                   "model": self.engine.model_name, "weights_version": self.weights_version,
                   "capabilities": self.engine.capabilities()})
        log.info("%s: handshake done", conn.name)
        beat = hello.get("heartbeat_ms")
        if _is_int(beat) and beat > 0:
            self._start_heartbeat(conn, max(MIN_HEARTBEAT_S, beat / 1000.0))
        return True

    def _start_heartbeat(self, conn: Connection, interval_s: float):
        """A heartbeat event every interval_s until the connection closes, from a thread of its own:
        a worker busy generating still beats, a stopped or frozen process does not."""
        def beat():
            while not conn.closed:
                time.sleep(interval_s)
                if not conn.closed:
                    with self._lock:
                        in_flight = self._in_flight
                    conn.send({"type": "event", "event": "heartbeat", "message": "in_flight %d" % in_flight,
                               "weights_version": self.weights_version})
        threading.Thread(target=beat, name="heartbeat", daemon=True).start()

    def _read_loop(self, conn: Connection):
        while True:
            frame = conn.read_frame()
            if frame is None:
                return
            try:
                msg = json.loads(frame)
            except ValueError as e:
                self._protocol_error(conn, "frame is not JSON: %s" % e)
            if not isinstance(msg, dict):
                self._protocol_error(conn, "frame is not a JSON object")
            kind = msg.get("type")
            if kind == "call":
                self._on_call(conn, msg)
            elif kind == "fire_and_forget":
                self._on_fire_and_forget(conn, msg)
            else:
                self._protocol_error(conn, "unexpected message type %r" % (kind,))

    def _protocol_error(self, conn: Connection, message: str):
        self._event(conn, "warning", "protocol error, closing the connection: " + message)
        raise ProtocolError(message)

    # ---- messages --------------------------------------------------------------------------

    def _on_call(self, conn: Connection, msg: dict):
        call_id = msg.get("id")
        if not _is_int(call_id):
            self._protocol_error(conn, "call without an integer id")
        with self._lock:
            pending = self._pending.setdefault(conn, set())
            if call_id in pending:
                duplicate = True
            else:
                duplicate = False
                pending.add(call_id)
        if duplicate:
            self._protocol_error(conn, "call id %d is already in flight" % call_id)
        try:
            method = msg.get("method")
            if not isinstance(method, str):
                raise CallError(BAD_REQUEST, "method: must be a string")
            params = msg.get("params", {})
            if params is None:
                params = {}
            if not isinstance(params, dict):
                raise CallError(BAD_REQUEST, "params: must be a JSON object")
            deadline_ms = msg.get("deadline_ms", 0)
            if deadline_ms is None:
                deadline_ms = 0
            if not _is_number(deadline_ms) or deadline_ms < 0:
                raise CallError(BAD_REQUEST, "deadline_ms: must be a number >= 0")
            deadline_at = time.monotonic() + deadline_ms / 1000.0 if deadline_ms > 0 else None

            if method == "health":
                with self._lock:
                    in_flight = self._in_flight
                self._reply(conn, call_id, {"status": "ok", "weights_version": self.weights_version,
                                            "in_flight": in_flight})
            elif method == "shutdown":
                self._reply(conn, call_id, {})
                log.info("%s: shutdown requested", conn.name)
                conn.close()
                self.exit_fn(0)
            elif method in ("generate", "load_weights") or (method == LOAD_ADAPTER and self.engine.serves_adapters):
                # Checked here so that a bad call is answered at once, not after queued work.
                if method == "generate":
                    parse_generate(params)
                elif method == LOAD_ADAPTER:
                    parse_load_adapter(params)
                else:
                    parse_load_weights(params)
                with self._lock:
                    self._in_flight += 1
                self._jobs.put(Job(conn, call_id, method, params, deadline_at))
            elif method == "reset_prefix_cache":
                raise CallError(BAD_REQUEST, "method: reset_prefix_cache is sent as fire_and_forget, not as a call")
            else:
                raise CallError(UNKNOWN_METHOD, "unknown method %r; this worker knows %s" % (method, ", ".join(self.engine.capabilities())))
        except CallError as e:
            self._reply_error(conn, call_id, e.kind, e.message)

    def _on_fire_and_forget(self, conn: Connection, msg: dict):
        method = msg.get("method")
        params = msg.get("params", {})
        if method != "reset_prefix_cache":
            self._event(conn, "warning", "fire_and_forget %r ignored: only reset_prefix_cache is sent that way" % (method,))
            return
        if params is None:
            params = {}
        if not isinstance(params, dict):
            self._event(conn, "warning", "fire_and_forget reset_prefix_cache ignored: params must be a JSON object")
            return
        self._jobs.put(Job(conn, None, method, params, None))

    def _reply(self, conn: Connection, call_id: int, result: dict):
        try:
            data = encode({"type": "reply", "id": call_id, "result": result})
            size = len(data) - 1
            if size > self.max_frame:
                raise RuntimeError("the result is %d bytes, over the maximum frame of %d bytes; "
                                   "ask for fewer prompts or tokens per call" % (size, self.max_frame))
        except Exception as e:  # an unencodable or oversized result is the worker's failure
            log.error("call %d: cannot send its result: %s", call_id, e)
            self._reply_error(conn, call_id, INTERNAL, "cannot send the result: %s" % e)
            return
        self._finish(conn, call_id)
        conn.send(data)

    def _reply_error(self, conn: Connection, call_id: int, kind: str, message: str):
        self._finish(conn, call_id)
        conn.send({"type": "reply", "id": call_id, "error": {"kind": kind, "message": message}})

    def _finish(self, conn: Connection, call_id: int):
        with self._lock:
            pending = self._pending.get(conn)
            if pending is not None:
                pending.discard(call_id)

    def _event(self, conn: Connection, event: str, message: str):
        if event == "warning":
            log.warning("%s: %s", conn.name, message)
        conn.send({"type": "event", "event": event, "message": message,
                   "weights_version": self.weights_version})

    # ---- the engine thread -----------------------------------------------------------------

    def _engine_loop(self):
        while True:
            job = self._jobs.get()
            try:
                if job.call_id is None:
                    self._run_fire_and_forget(job)
                else:
                    self._run_call(job)
            except Exception:  # never lose the engine thread
                log.error("engine thread: unexpected error\n%s", traceback.format_exc())

    def _run_call(self, job: Job):
        try:
            if job.conn.closed:
                log.info("call %d (%s) skipped: its connection is closed", job.call_id, job.method)
                return
            if job.deadline_at is not None and time.monotonic() > job.deadline_at:
                self._reply_error(job.conn, job.call_id, DEADLINE,
                                  "the deadline passed while the call waited for the engine")
                return
            try:
                result = self._execute(job)
            except CallError as e:
                self._reply_error(job.conn, job.call_id, e.kind, e.message)
                return
            except Exception as e:
                log.error("call %d (%s) failed\n%s", job.call_id, job.method, traceback.format_exc())
                self._reply_error(job.conn, job.call_id, INTERNAL, "%s: %s" % (type(e).__name__, e))
                return
            self._reply(job.conn, job.call_id, result)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _execute(self, job: Job) -> dict:
        if job.method == "generate":
            req = parse_generate(job.params)
            if req.weights_version != self.weights_version:
                raise CallError(VERSION_MISMATCH, "the call wants weights version %d; this worker has %d"
                                % (req.weights_version, self.weights_version))
            completions = self.engine.generate(req, job.params)
            return {"weights_version": self.weights_version, "completions": completions}
        if job.method == LOAD_ADAPTER:
            path, base, version = parse_load_adapter(job.params)
        else:
            path, version = parse_load_weights(job.params)
        try:
            if job.method == LOAD_ADAPTER:
                self.engine.load_adapter(path, base, version, job.params)
            else:
                self.engine.load_weights(path, job.params)
        except LoadRejected as e:
            raise BadRequest("path", str(e))
        except Exception:
            self.weights_version = UNKNOWN_VERSION
            log.error(job.method + " failed part-way: the weights version is now %d until a load succeeds",
                      UNKNOWN_VERSION)
            raise
        self.weights_version = version
        # Nothing is generating now (this is the engine thread), so the reset can succeed; a
        # reset_prefix_cache that the bridge sends as well then finds an empty cache.
        try:
            if not self.engine.reset_prefix_cache({}):
                self._event(job.conn, "warning", "the prefix cache could not be reset after loading version %d" % version)
        except Exception as e:
            self._event(job.conn, "warning", "resetting the prefix cache after loading version %d failed: %s" % (version, e))
        log.info("loaded weights version %d from %s", version, path)
        return {"weights_version": version}

    def _run_fire_and_forget(self, job: Job):
        if job.conn.closed:
            return
        try:
            if not self.engine.reset_prefix_cache(job.params):
                self._event(job.conn, "warning", "reset_prefix_cache refused by the engine (cache blocks in use?)")
        except Exception as e:
            log.error("reset_prefix_cache failed\n%s", traceback.format_exc())
            self._event(job.conn, "warning", "reset_prefix_cache failed: %s: %s" % (type(e).__name__, e))


def watch_parent(exit_fn=None) -> bool:
    """When the bridge launched this worker ($COHORT_PARENT_PID set, a pipe on stdin), exits within
    a fraction of a second of the launcher's end, kill -9 included: stdin reaches its end, or the
    parent pid is no longer this process's parent."""
    raw = os.environ.get(PARENT_ENV, "").strip()
    if not raw:
        return False
    parent = int(raw)
    exit_fn = exit_fn or _exit_now

    def stdin_ended():
        try:
            while os.read(0, 256):
                pass
        except OSError:
            pass
        log.warning("stdin reached its end: the process that launched this worker is gone; exiting")
        exit_fn(0)

    def parent_gone():
        while os.getppid() == parent:
            time.sleep(0.2)
        log.warning("the process that launched this worker (pid %d) is gone; exiting", parent)
        exit_fn(0)

    threading.Thread(target=stdin_ended, name="stdin-watch", daemon=True).start()
    threading.Thread(target=parent_gone, name="parent-watch", daemon=True).start()
    return True


def read_token_file(path: str) -> str:
    """The token in path, which only its owner may read (the command line is visible to all)."""
    mode = os.stat(path).st_mode
    if mode & 0o077:
        raise ValueError("--token-file %s is accessible to others (mode %o); chmod 600 it" % (path, mode & 0o777))
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def _exit_now(code: int):
    logging.shutdown()
    sys.stderr.flush()
    os._exit(code)  # vLLM keeps non-daemon threads and child processes; do not wait for them


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------

def _parse_kwarg(text: str):
    if "=" not in text:
        raise argparse.ArgumentTypeError("expected KEY=VALUE, got %r" % text)
    key, value = text.split("=", 1)
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Cohort inference worker (protocol %d) around vLLM." % PROTOCOL_VERSION)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to listen on; 0 = any free port (default)")
    p.add_argument("--model", help="Hugging Face model name or checkpoint directory (required without --fake)")
    p.add_argument("--id", default="w%d" % os.getpid(), help="worker id sent in the hello (default w<pid>)")
    p.add_argument("--token-file", help="file holding the token the client's hello must carry, readable only by"
                   " its owner (default: $COHORT_WORKER_TOKEN; neither: no token); never on the command line")
    p.add_argument("--max-frame", type=int, default=DEFAULT_MAX_FRAME,
                   help="largest frame in bytes either way (default %d)" % DEFAULT_MAX_FRAME)
    p.add_argument("--fake", action="store_true",
                   help="serve a deterministic fake engine instead of vLLM (for tests and demos)")
    p.add_argument("--vllm-arg", action="append", default=[], type=_parse_kwarg, metavar="KEY=VALUE",
                   help="extra keyword argument for vllm.LLM (value parsed as JSON when it is), "
                        "e.g. gpu_memory_utilization=0.5; repeatable")
    p.add_argument("--enable-lora", action="store_true",
                   help="serve LoRA adapters (load_adapter; vllm.LLM's enable_lora): for runs with adapter: lora")
    p.add_argument("--max-lora-rank", type=int, default=None,
                   help="largest lora_r served (vllm.LLM's max_lora_rank); with --enable-lora")
    p.add_argument("--log-level", default="INFO", help="log level on stderr (default INFO)")
    args = p.parse_args(argv)
    if not args.fake and not args.model:
        p.error("--model is required (or --fake)")
    if args.max_frame < 1024:
        p.error("--max-frame must be at least 1024")
    args.token = os.environ.get(TOKEN_ENV) or None
    if args.token_file:
        try:
            args.token = read_token_file(args.token_file) or None
        except (OSError, ValueError) as e:
            p.error(str(e))
    return args


def llm_kwargs(args) -> dict:
    """vllm.LLM's keyword arguments: --vllm-arg pairs, then enable_lora/max_lora_rank from the LoRA flags."""
    kw = dict(args.vllm_arg)
    if args.enable_lora:
        kw["enable_lora"] = True
        if args.max_lora_rank is not None:
            kw["max_lora_rank"] = args.max_lora_rank
    return kw


def main(argv=None) -> int:
    # The port announcement must be the first stdout line, but vLLM logs to stdout (from this
    # process and its engine processes): keep the real stdout aside and send fd 1 to stderr.
    args = parse_args(argv)
    watched = watch_parent()
    announce = os.fdopen(os.dup(1), "w")
    sys.stdout.flush()
    os.dup2(2, 1)

    logging.basicConfig(stream=sys.stderr, level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s cohort-worker: %(message)s")
    if args.fake:
        engine = FakeEngine(args.model or "fake")
    else:
        log.info("loading %s with vLLM", args.model)
        engine = VllmEngine(args.model, llm_kwargs(args))

    server = socket.create_server((args.host, args.port), reuse_port=False)
    server.listen(8)
    port = server.getsockname()[1]
    worker = Worker(engine, args.id, args.token, args.max_frame)
    announce.write("listening on %d\n" % port)
    announce.flush()
    log.info("worker %s (%s) listening on %s:%d%s%s", args.id, engine.model_name, args.host, port,
             ", token required" if args.token else "", ", exits with its launcher" if watched else "")
    try:
        worker.serve_forever(server)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
