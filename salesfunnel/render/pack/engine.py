"""The chart engines of the pack: helper processes, each with its own vl-convert, so
that the charts render on two cores (one vl-convert engine renders one chart at a time,
and holds the GIL of its process while it does).

`start()` starts the helpers, which warm up while the reports are computed;
`Engines.render` takes every chart of the pack at once and hands them out one at a time
to whichever helper is free. A helper gets the same Vega-Lite specification and returns
the same SVG as vl-convert here; if one fails, or none could start, this process renders
the charts left.

The helper is `python -m salesfunnel.render.pack.engine`: it reads one JSON
specification a line on stdin and writes one JSON line a chart on stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

WARM_UP = {"data": {"values": [{"x": 1}]}, "mark": "point",
           "encoding": {"x": {"field": "x", "type": "quantitative"}}}
NO_HELPER = "SALESFUNNEL_PACK_NO_HELPER"  # set (to anything) to render in this process only
HELPERS = 2


class Helper:
    """The helper process; `render` sends one specification and waits for its SVG."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "salesfunnel.render.pack.engine"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, encoding="utf-8",
        )

    def render(self, spec: dict) -> str | None:
        """The SVG, or None when the helper could not render it (the caller then does)."""
        try:
            self.process.stdin.write(json.dumps(spec) + "\n")
            self.process.stdin.flush()
            answer = json.loads(self.process.stdout.readline())
        except (OSError, ValueError):
            return None
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
    def __init__(self, helpers: list[Helper]) -> None:
        self.helpers = helpers
        self.renders = 0  # charts rendered (by any engine), for the tests

    def render(self, specs: list[dict]) -> list[str]:
        """The SVG of each specification, in order: each helper takes the next chart as
        soon as it is free; what no helper rendered is rendered here."""
        results: list[str | None] = [None] * len(specs)
        lock = threading.Lock()
        order = iter(range(len(specs)))

        def take() -> int | None:
            with lock:
                return next(order, None)

        def feed(helper: Helper) -> None:
            while (index := take()) is not None:
                results[index] = helper.render(specs[index])
                if results[index] is None:  # this helper failed: leave the rest to others
                    return

        threads = [threading.Thread(target=feed, args=(helper,), daemon=True)
                   for helper in self.helpers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        left = [index for index, text in enumerate(results) if text is None]
        if left:  # no helper, a failed helper, or an invalid spec (which raises here)
            import vl_convert

            for index in left:
                results[index] = vl_convert.vegalite_to_svg(specs[index])
        self.renders += len(specs)
        return results  # type: ignore[return-value]

    def close(self) -> None:
        for helper in self.helpers:
            helper.close()
        self.helpers = []


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
