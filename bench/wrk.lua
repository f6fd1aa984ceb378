-- wrk script for bench/bench.py: GET a path, or POST reservations/ with a customer's token.
--
-- Environment (read in every wrk thread):
--   BENCH_PATHS   a file of paths to GET in turn, one per line (GET mode)
--   BENCH_TOKENS  a file of access tokens, one per line (POST mode)
--   BENCH_BOOKS   a file of book ids, one per line (POST mode)
--   BENCH_DAYS    the days asked for (POST mode; default 1); 0 is refused at once (R4)
--   BENCH_OFFSET  the first request's number n (POST mode; default 0), so that a second run
--                 for the same customers and books goes on with pairs not sent yet
--   BENCH_RATE    if set, requests per second for the whole run (open loop): each thread
--                 sends its share on a fixed schedule whatever the answers' times, so the
--                 latency is that of a server offered this rate, not of one kept saturated;
--                 the JSON line's rps tells whether the server kept up
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

local tokens, books, days, paths, nthreads, offset, interval_ms, next_send_ms

-- A monotonic clock in milliseconds (wrk's LuaJIT has no clock of its own).
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

function init(args)
  local tokens_file = os.getenv("BENCH_TOKENS")
  if tokens_file and tokens_file ~= "" then
    tokens = read_lines(tokens_file)
    books = read_lines(os.getenv("BENCH_BOOKS"))
    days = os.getenv("BENCH_DAYS") or "1"
  else
    paths = read_lines(os.getenv("BENCH_PATHS"))
  end
  nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  offset = tonumber(os.getenv("BENCH_OFFSET") or "0")
  local rate = tonumber(os.getenv("BENCH_RATE") or "")
  if rate and rate > 0 then
    interval_ms = 1000 * nthreads / rate
  end
end

-- With a rate, wrk asks before every request how long to wait: keep this thread on its
-- schedule. Without one, no delay() exists and wrk sends each request at once.
if (tonumber(os.getenv("BENCH_RATE") or "") or 0) > 0 then
  function delay()
    local now = now_ms()
    if next_send_ms == nil then
      next_send_ms = now
    end
    next_send_ms = next_send_ms + interval_ms
    return math.max(0, math.floor(next_send_ms - now))
  end
end

function request()
  local n = offset + counter * nthreads + tid
  counter = counter + 1
  if tokens == nil then
    return wrk.format("GET", paths[n % #paths + 1])
  end
  local customer = n % #tokens
  local book = (customer + math.floor(n / #tokens)) % #books
  local body = '{"book":' .. books[book + 1] .. ',"days":' .. days .. '}'
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
