"""The report of make bench: each target met or not, and the two tables printed at the end."""

from bench_config import BASE_DIR, DEEP_PAGES, RATIO_ROWS, RESERVE_RATE, RESULTS_FILE, TARGETS
from bench_pauses import report_lines as paused_queue_lines


def check(name: str, value: float) -> bool:
    op, goal = TARGETS[name][:2]
    return value >= goal if op == ">=" else value <= goal


def target_rows(figures: dict[str, float], http: dict, yardstick: float) -> dict:
    """Each target with its value, its ratio to the yardstick where it is a rate, its goal and whether it is met."""
    rows = {}
    for name, value in figures.items():
        op, goal, unit, issue = TARGETS[name]
        row = {"value": value, "unit": unit, "target": f"{op} {goal}{unit if unit == '×' else ''}", "issue": issue}
        if name in RATIO_ROWS:
            row["rps"] = http[RATIO_ROWS[name]]["rps"]
            row["ratio"] = round(row["rps"] / yardstick, 3)
        row["met"] = check(name, value)
        rows[name] = row
    return rows


def request_cpu_ms(row: dict) -> float:
    return row.get("gunicorn_cpu_ms", 0) + (row.get("postgres_cpu_ms") or 0)


LABELS = {
    "calibration_20": "bare ORM view (yardstick), first",
    "calibration_20_end": "bare ORM view (yardstick), last",
    "search_words_nocache_20": "books/?search= 1,000 words, cache OFF",
    "list_deep_nocache_20": "books/?page= 1..5000, cache OFF",
    "detail_nocache_20": "books/{id}/ 5,000 books, cache OFF",
    "search_words_nocache_goal": "the same search, offered its goal's rate",
    "list_deep_nocache_goal": "the same pages, offered their goal's rate",
    "list": "books/ (pages 1..100)",
    "search": "books/?search= (5 queries)",
    "search_words_20": "books/?search= 1,000 words, cache on",
    "list_deep_20": "books/?page= 1..5000, cache on",
    "detail_20": "books/{id}/ 5,000 books (never cached)",
    "reserve_refused_20": "POST reserve 0 days: floor, 400 by design",
    "reserve_free_20": "POST reserve, free units (201)",
    "reserve_free_rate": f"POST reserve, {RESERVE_RATE}/s offered",
    "reserve_free_half": "POST reserve, half the closed loop's rate",
    "reserve_full_20": "POST reserve, full books (202 queued)",
    "return_20": "POST reservations/{id}/return/",
    "mixed_20": "mixed: 80% reads, 20% reserve+return",
}


def cpu(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def print_table(results: dict) -> None:
    machine = results["machine"]
    http = results["http"]
    yardstick = results["yardstick_rps"]
    print()
    print(
        f"Machine: {machine['cpus']} CPUs, {machine['memory']} RAM, PostgreSQL {machine['postgresql']}; "
        f"load average before {machine['load_before']}, after HTTP {machine['load_after_http']} "
        f"({machine['http_seconds']} s of HTTP runs)"
    )
    print(
        f"Yardstick: the bare ORM view served {http['calibration_20']['rps']:,.0f} req/s first and "
        f"{http['calibration_20_end']['rps']:,.0f} last (about 950 on the machine of issue 8); "
        f"every ratio is to their mean, {yardstick:,.0f}"
    )
    print()
    head = ("benchmark (GET unless POST)", "clients", "req/s", "×yard", "×yard CPU", "p50 ms", "p95 ms", "p99 ms")
    columns = "| {:<41} | {:>7} | {:>7} | {:>5} | {:>9} | {:>6} | {:>6} | {:>6} | non-2xx |".format(*head)
    print(f"{columns} gunicorn CPU ms/req | PG CPU ms/req | busy elsewhere |")
    print(
        f"|{'-' * 43}|{'-' * 9}|{'-' * 9}|{'-' * 7}|{'-' * 11}|{'-' * 8}|{'-' * 8}|{'-' * 8}|{'-' * 9}|"
        f"{'-' * 21}|{'-' * 15}|{'-' * 16}|"
    )
    for key, row in http.items():
        name = LABELS.get(key) or LABELS[key.rsplit("_", 1)[0]]
        print(
            f"| {name:<41} | {row['clients']:>7} | {row['rps']:>7,.0f} | {row['ratio']:>5.2f} | "
            f"{cpu(row.get('cpu_ratio')):>9} | {row['p50']:>6.1f} | "
            f"{row['p95']:>6.1f} | {row['p99']:>6.1f} | {row['non_2xx']:>7} | {cpu(row.get('gunicorn_cpu_ms')):>19} | "
            f"{cpu(row.get('postgres_cpu_ms')):>13} | {row.get('elsewhere_cpu_share', 0):>14.0%} |"
        )
    print()
    print(
        "CPU ms/req: gunicorn's master and workers, and the bench database's PostgreSQL backends, "
        "read from /proc over the run; ×yard CPU: the yardstick's gunicorn + PostgreSQL CPU per "
        "request over the row's (what the ratio would be on idle cores, if both were CPU-bound); "
        "busy elsewhere: the share of both cores busy with anything else meanwhile (other people's "
        "processes, Redis, PostgreSQL's background work, the kernel's loopback traffic): the "
        "higher, the noisier the row."
    )
    refused = http["reserve_refused_20"]["rps"]
    print(
        f"Floor: the same POST refused at once (0 days, R4; no query but the token's user) serves "
        f"{refused:,.0f} req/s: the most an authenticated request gets through Django, DRF and simplejwt "
        f"here; reserve does {http['reserve_free_20']['rps'] / refused:.2f}× of that, return "
        f"{http['return_20']['rps'] / refused:.2f}×"
    )
    rate = http["reserve_free_rate"]
    half = http["reserve_free_half"]
    print(
        f"Reserve offered {rate['offered_rps']}/s from 20 clients: answered {rate['rps']:,.0f}/s; "
        f"offered {half['offered_rps']}/s (half the closed loop's): answered {half['rps']:,.0f}/s "
        f"at p50 {half['p50']:.1f} ms"
    )
    goals = [http[f"{name}_nocache_goal"] for name in ("search_words", "list_deep")]
    print(
        "Cache off, offered the goal's rate: "
        + "; ".join(
            f"{what} {row['offered_rps']}/s, answered {row['rps']:,.0f}/s at p50 {row['p50']:.1f} ms, "
            f"p95 {row['p95']:.1f} ms"
            for what, row in zip(("search", "pages 1..5000"), goals, strict=True)
        )
    )
    returned = http["return_20"]
    mixed = http["mixed_20"]
    print(
        f"Return: {returned['requests']:,} returns sent of {returned['loans_available']:,} loans the reserve runs "
        f"made ({returned['non_2xx']} not 2xx). Mixed: {mixed['sent_reads']:,} reads, "
        f"{mixed['sent_reserves']:,} reserves, {mixed['sent_returns']:,} returns sent"
    )
    print(f"Searches: 1,000 words of the titles and descriptions, by frequency: {machine['search_words']}")
    oversold = results["oversold_check"]
    queries = results["queries_per_request"]
    release = results["release"]
    sweep = results["sweep"]
    print(
        f"After the runs: oversold books {oversold['oversold_books']}, units_on_loan mismatches "
        f"{oversold['units_on_loan_mismatches']}, wallets whose balance is not their ledger's sum "
        f"{oversold['wallets_off_ledger']} of {oversold['wallets_checked']:,} ({'ok' if oversold['ok'] else 'FAILED'})"
    )
    print(
        f"Statements per request (BEGIN and COMMIT included): list {queries['list_page_20_uncached']} (page of 100: "
        f"{queries['list_page_100_uncached']}, cached: {queries['list_page_20_cached']}, page {DEEP_PAGES} cache off: "
        f"{queries['list_page_5000_cache_off']}), search {queries['search_uncached']} (cache off: "
        f"{queries['search_cache_off']}), detail {queries['detail']}, reserve {queries['reserve']} "
        f"(refused at once: {queries['reserve_refused']}), return {queries['return']}"
    )
    print(
        f"One release with {release['queued_before']:,} queued: median {release['median_ms']} ms "
        f"(first {release['first_ms']} ms, max {release['max_ms']} ms over {release['releases']})"
    )
    if results.get("paused_queue"):
        print("\n".join(paused_queue_lines(results["paused_queue"])))
    print(f"Expiry sweep: {sweep['expired']:,} of {sweep['due_before']:,} due in {sweep['seconds']} s")
    language = results.get("language")
    if language:
        yardstick_cpu = results["http"]["calibration_20"].get("gunicorn_cpu_ms")
        share = (
            f" ({language['us_added_user'] / 1000 / yardstick_cpu:.1%} of the yardstick's gunicorn CPU)"
            if yardstick_cpu
            else ""
        )
        print(
            f"Choosing the language (R40): LocaleMiddleware and UserLanguageMiddleware add "
            f"{language['us_added_visitor']} µs of CPU to a visitor's request, {language['us_added_user']} µs "
            f"to a logged-in user's{share}"
        )
    if results.get("backtest"):
        print(results["backtest"]["summary"])
    print(f"gunicorn worker RSS after the run: {', '.join(f'{mb} MB' for mb in results['worker_rss_mb'])}")
    print()
    print(f"| {'target':<27} | issue | {'measured':>12} | {'×yard':>5} | {'goal':>8} | met |")
    print(f"|{'-' * 29}|-------|{'-' * 14}|{'-' * 7}|{'-' * 10}|-----|")
    for name, row in results["targets"].items():
        note = f" {row['note']}" if row.get("note") else ""
        if "rps" in row:
            measured = f"{row['rps']:,.0f} req/s"
        elif row["unit"] in ("ms", "s"):
            measured = f"{row['value']:,.{1 if row['unit'] == 'ms' else 2}f} {row['unit']}"
        else:
            measured = f"{row['value']:,} {row['unit']}".strip()
        ratio = f"{row['ratio']:.2f}" if "ratio" in row else ""
        print(
            f"| {name:<27} | {row['issue']:>5} | {measured:>12} | {ratio:>5} | {row['target']:>8} | "
            f"{'yes' if row['met'] else 'NO':>3} |{note}"
        )
    print(f"\nWrote {RESULTS_FILE.relative_to(BASE_DIR)}")
