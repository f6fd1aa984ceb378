-- wrk script for bench/bench.py: GET a path, or POST reservations/ with a customer's token.
--
-- Environment (read in every wrk thread):
--   BENCH_PATHS   a file of paths to GET in turn, one per line (GET mode)
--   BENCH_TOKENS  a file of access tokens, one per line (POST mode)
--   BENCH_BOOKS   a file of book ids, one per line (POST mode)
-- In POST mode, request k of thread t (global number n = k * threads + t) is sent by
-- customer c = n mod C for book (c + n div C) mod B: no pair repeats before C * B requests,
-- a customer holds at most ceil(requests / C) books (the test stays within R8 and R10), and
-- requests in flight together go to different books, as a crowd of customers would.
-- done() prints one JSON line that bench.py reads: counts and latency percentiles in ms.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local function read_lines(name)
  local lines = {}
  for line in io.lines(name) do
    if line ~= "" then table.insert(lines, line) end
  end
  return lines
end

local tokens, books, paths, nthreads

function init(args)
  local tokens_file = os.getenv("BENCH_TOKENS")
  if tokens_file and tokens_file ~= "" then
    tokens = read_lines(tokens_file)
    books = read_lines(os.getenv("BENCH_BOOKS"))
  else
    paths = read_lines(os.getenv("BENCH_PATHS"))
  end
  nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
end

function request()
  local n = counter * nthreads + tid
  counter = counter + 1
  if tokens == nil then
    return wrk.format("GET", paths[n % #paths + 1])
  end
  local customer = n % #tokens
  local book = (customer + math.floor(n / #tokens)) % #books
  local body = '{"book":' .. books[book + 1] .. ',"days":1}'
  local headers = {
    ["Authorization"] = "Bearer " .. tokens[customer + 1],
    ["Content-Type"] = "application/json",
  }
  return wrk.format("POST", "/api/v1/reservations/", headers, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50": %.3f, "p95": %.3f, "p99": %.3f, "max": %.3f, "mean": %.3f}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000))
end
