"""The chart engines of the pack: helper processes, each with its own vl-convert, so
that the charts render on two cores (one vl-convert engine renders one chart at a time,
and holds the GIL of its process while it does).

`start()` starts the helpers, which warm up while the reports are computed;
`Engines.submit` queues a chart as soon as its page is built (the index page before the
reps' reports are computed), and whichever helper is free takes the next one. A helper
gets the same Vega-Lite specification and returns the same SVG as vl-convert here; if
one fails, or none could start, this process renders the charts left.

The helper is `python -m salesfunnel.render.pack.engine`: it reads one JSON
specification a line on stdin and writes one JSON line a chart on stdout.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from concurrent.futures import Future

WARM_UP = {"data": {"values": [{"x": 1}]}, "mark": "point",
           "encoding": {"x": {"field": "x", "type": "quantitative"}}}
NO_HELPER = "SALESFUNNEL_PACK_NO_HELPER"  # set (to anything) to render in this process only
HELPERS = 2


class HelperGone(Exception):
    """The helper process stopped answering."""


class Helper:
    """The helper process; `render` sends one specification and waits for its SVG."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "salesfunnel.render.pack.engine"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, encoding="utf-8",
        )

    def render(self, spec: dict) -> str | None:
        """The SVG, or None when vl-convert refused the specification (the caller renders
        it again, to raise the error); HelperGone when the helper stopped answering."""
        try:
            self.process.stdin.write(json.dumps(spec) + "\n")
            self.process.stdin.flush()
            answer = json.loads(self.process.stdout.readline())
        except (OSError, ValueError) as exc:
            raise HelperGone from exc
        return answer.get("svg")

    def close(self) -> None:
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Engines:
    """The helpers, fed from one queue: `submit` a specification as soon as it is made,
    `svg` its SVG when it is needed."""

    def __init__(self, helpers: list[Helper]) -> None:
        self.helpers = helpers
        self.queue: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        self.alive = len(helpers)
        self.renders = 0  # charts submitted, for the tests
        self.threads = [threading.Thread(target=self._feed, args=(helper,), daemon=True)
                        for helper in helpers]
        for thread in self.threads:
            thread.start()

    def submit(self, spec: dict) -> Future:
        future: Future = Future()
        with self.lock:
            self.renders += 1
            if self.alive:
                self.queue.put((spec, future))
            else:
                future.set_result(None)  # rendered here, by `svg`
        return future

    def svg(self, future: Future, spec: dict) -> str:
        """The SVG of a submitted specification (rendered here if no helper did)."""
        text = future.result()
        if text is None:
            import vl_convert

            text = vl_convert.vegalite_to_svg(spec)
        return text

    def _feed(self, helper: Helper) -> None:
        while (item := self.queue.get()) is not None:
            spec, future = item
            try:
                future.set_result(helper.render(spec))
            except HelperGone:
                future.set_result(None)
                with self.lock:
                    self.alive -= 1
                    if not self.alive:  # the last helper: what is queued is rendered here
                        while not self.queue.empty():
                            left = self.queue.get_nowait()
                            if left is not None:
                                left[1].set_result(None)
                return

    def close(self) -> None:
        for _ in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join(timeout=5)
        for helper in self.helpers:
            helper.close()
        self.helpers = []
        self.threads = []


def start() -> Engines:
    """Start one helper process per core (at most HELPERS), each warming up its engine
    (about half a second) while this process computes the reports. vl-convert holds
    this process's GIL while it works, so it runs in helpers, not on a thread here."""
    helpers = []
    if not os.environ.get(NO_HELPER):
        for _ in range(min(HELPERS, os.cpu_count() or 1)):
            try:
                helpers.append(Helper())
            except OSError:
                break
    return Engines(helpers)


def serve() -> None:
    """The helper's loop: one specification a line in, one {"svg"} or {"error"} line out."""
    import vl_convert

    vl_convert.vegalite_to_svg(WARM_UP)
    for line in sys.stdin:
        try:
            answer = {"svg": vl_convert.vegalite_to_svg(json.loads(line))}
        except Exception as exc:  # noqa: BLE001 - the main process renders it again and raises
            answer = {"error": str(exc)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
