"""Writes the event file that EventFileCompatibilityTest reads: TensorBoard's own writer
(tensorboard 2.21, tensorboard.summary.writer.event_file_writer.EventFileWriter) with fixed wall
times, steps and scalar values, under a fixed name. Run from the repository root:

    python3 -m venv .venv && .venv/bin/pip install tensorboard
    .venv/bin/python plugins/tensorboard/src/test/python/write_fixture.py \
        plugins/tensorboard/src/test/resources/tensorboard-writer
"""
import glob
import os
import sys

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

out = sys.argv[1]
for old in glob.glob(os.path.join(out, "events.out.tfevents.*")):  # one file, rewritten
    os.remove(old)
w = EventFileWriter(out, filename_suffix=".fixture")
for step, (reward, loss) in enumerate([(0.5, -0.0127), (0.75, 0.25), (1.0, 3.5e-05)], start=1):
    values = [summary_pb2.Summary.Value(tag="train/reward", simple_value=reward),
              summary_pb2.Summary.Value(tag="train/loss", simple_value=loss)]
    w.add_event(event_pb2.Event(wall_time=1700000000.0 + step, step=step,
                                summary=summary_pb2.Summary(value=values)))
w.close()
written = w.get_logdir() and glob.glob(os.path.join(out, "events.out.tfevents.*.fixture"))
os.rename(written[0], os.path.join(out, "events.out.tfevents.1700000000.tensorboard-writer"))
