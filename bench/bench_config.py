"""The settings of make bench, shared by bench/bench.py and its modules.

How long each wrk run lasts, gunicorn's options, the fixtures bench/generate.py wrote,
the sizes of the read lists, and the targets with the HTTP row each ratio reads.
"""

import json
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECONDS = int(os.environ.get("BENCH_SECONDS", 10))
WORKERS = int(os.environ.get("BENCH_WORKERS", 4))
# Threads per worker (gthread, with keep-alive): with 2 or 4 they served no more here and
# lengthened every p95, the cached list's past its goal (README, "Worker class"): sync.
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
FIXTURES = json.loads(Path(os.environ.get("BENCH_FIXTURES", BASE_DIR / "var" / "bench" / "fixtures.json")).read_text())
RESULTS_FILE = BASE_DIR / "bench" / "results.json"
# gunicorn's log (Django logs each refused request at WARNING: the floor run refuses thousands).
SERVER_LOG = BASE_DIR / "var" / "bench" / "gunicorn.log"
GUNICORN_OPTIONS = [
    f"--workers={WORKERS}",
    f"--threads={THREADS}",
    f"--pythonpath={BASE_DIR / 'bench'}",
    "--backlog=2048",
]
CACHE_OFF = {"CATALOG_CACHE": "off"}
RELEASES = 20
# The reserve target's rate: its latency is measured with this many requests a second offered.
RESERVE_RATE = int(os.environ.get("BENCH_RESERVE_RATE", 300))
# An open-loop figure counts only if the server kept up with the rate offered.
KEPT_UP = 0.95
SEARCH_WORDS = 1_000
DEEP_PAGES = 5_000
DETAIL_BOOKS = 5_000
PAGE_SIZE = 20
CLK_TCK = os.sysconf("SC_CLK_TCK")

# name: (comparison, goal, unit, issue). A goal in "×" is a ratio to the yardstick of the same run.
TARGETS = {
    "list_rps_20": (">=", 500, "req/s", 8),
    "list_p95_20": ("<=", 50, "ms", 8),
    "search_p95_20": ("<=", 50, "ms", 8),
    "reserve_free_rps_20": (">=", 300, "req/s", 8),
    "release_ms": ("<=", 20, "ms", 8),
    "sweep_s": ("<=", 10, "s", 8),
    "queries_list": ("<=", 5, "", 8),
    "worker_rss_mb": ("<=", 150, "MB", 8),
    "search_words_nocache_ratio": (">=", 0.15, "×", 15),
    "search_words_nocache_p95": ("<=", 50, "ms", 15),
    "list_deep_nocache_ratio": (">=", 0.25, "×", 15),
    "list_deep_nocache_p95": ("<=", 50, "ms", 15),
    "detail_nocache_ratio": (">=", 0.7, "×", 15),
    "floor_ratio": (">=", 0.65, "×", 16),
    "reserve_free_ratio": (">=", 0.35, "×", 16),
    "reserve_full_ratio": (">=", 0.30, "×", 16),
    "return_ratio": (">=", 0.30, "×", 16),
    "list_ratio": (">=", 0.9, "×", 16),
    # Issue 8 asked for 15 ms; issue 16 for 10.
    "reserve_free_p50_at_rate": ("<=", 10, "ms", 16),
    "queries_reserve": ("<=", 10, "", 16),
    "oversold_books": ("<=", 0, "", 16),
    "wallets_off_ledger": ("<=", 0, "", 16),
    # R31: the promotions inside the range shown at the queue join (bench/backtest_estimate.py).
    "estimate_hit_rate": (">=", 80, "%", 18),
}
# The HTTP row each ratio target reads.
RATIO_ROWS = {
    "search_words_nocache_ratio": "search_words_nocache_20",
    "list_deep_nocache_ratio": "list_deep_nocache_20",
    "detail_nocache_ratio": "detail_nocache_20",
    "floor_ratio": "reserve_refused_20",
    "reserve_free_ratio": "reserve_free_20",
    "reserve_full_ratio": "reserve_full_20",
    "return_ratio": "return_20",
    "list_ratio": "list_20",
    "list_rps_20": "list_20",
    "reserve_free_rps_20": "reserve_free_20",
}
