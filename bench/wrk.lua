-- wrk script for bench/bench.py: GET paths, POST reservations/, return loans, or a mix.
--
-- Environment (read in every wrk thread):
--   BENCH_MODE    "get" (the default without BENCH_TOKENS), "reserve" (the default with
--                 BENCH_TOKENS), "return" or "mixed"
--   BENCH_PATHS   a file of paths to GET in turn, one per line (get, mixed)
--   BENCH_TOKENS  a file of access tokens, one per line (reserve, mixed)
--   BENCH_CUSTOMERS  the customer id of each line of BENCH_TOKENS (mixed)
--   BENCH_BOOKS   a file of book ids, one per line (reserve, mixed)
--   BENCH_RETURNS a file of "token reservation-id" lines, active loans (return)
--   BENCH_DAYS    the days asked for (reserve; default 1); 0 is refused at once (R4)
--   BENCH_OFFSET  the first request's number n (default 0), so that a second run for the
--                 same customers and books (or loans) goes on with ones not sent yet; in
--                 mixed mode the reserves' own numbering starts there
--   BENCH_RATE    if set, requests per second for the whole run (open loop): each thread
--                 sends its share on a fixed schedule whatever the answers' times, so the
--                 latency is that of a server offered this rate, not of one kept saturated;
--                 the JSON line's rps tells whether the server kept up
-- Reserve: request k of thread t (global number n = k * threads + t) is sent by customer
-- c = n mod C for book (c + n div C) mod B: no pair repeats before C * B requests, a customer
-- holds at most ceil(requests / C) books (the test stays within R8 and R10), and requests
-- in flight together go to different books, as a crowd of customers would.
-- Return: request n returns loan n of BENCH_RETURNS (its customer's token), each once;
-- past the file's end it starts again (those answer 409, counted in non_2xx).
-- Mixed: of every 10 requests of a thread, 8 GET the next path (BENCH_PATHS mixes list
-- pages, searches and book pages), 1 reserves as above and 1 returns a loan this thread's
-- reserves made (201 answers are read for their id and customer); a thread with no loan
-- of its own to return yet reserves instead.
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

local mode, tokens, customers, books, days, paths, loans, nthreads, offset, interval_ms, next_send_ms
-- Mixed mode: this thread's requests of each kind, its reserves' count, and the loans its
-- reserves made (token, id), oldest first.
reads, reserves, returns = 0, 0, 0
local reserve_counter = 0
local token_of_customer = {}
local own_loans = {}

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

local function env_mode()
  local value = os.getenv("BENCH_MODE") or ""
  if value ~= "" then return value end
  local tokens_file = os.getenv("BENCH_TOKENS") or ""
  if tokens_file ~= "" then return "reserve" end
  return "get"
end

function init(args)
  mode = env_mode()
  if mode == "reserve" or mode == "mixed" then
    tokens = read_lines(os.getenv("BENCH_TOKENS"))
    books = read_lines(os.getenv("BENCH_BOOKS"))
    days = os.getenv("BENCH_DAYS") or "1"
  end
  if mode == "get" or mode == "mixed" then
    paths = read_lines(os.getenv("BENCH_PATHS"))
  end
  if mode == "mixed" then
    customers = read_lines(os.getenv("BENCH_CUSTOMERS"))
    for i, customer in ipairs(customers) do token_of_customer[customer] = tokens[i] end
  end
  if mode == "return" then
    loans = {}
    for _, line in ipairs(read_lines(os.getenv("BENCH_RETURNS"))) do
      local token, id = line:match("^(%S+)%s+(%d+)$")
      table.insert(loans, {token, id})
    end
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

local function bearer(token)
  return {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end

local function reserve_request(n)
  local customer = n % #tokens
  local book = (customer + math.floor(n / #tokens)) % #books
  local body = '{"book":' .. books[book + 1] .. ',"days":' .. days .. '}'
  return wrk.format("POST", "/api/v1/reservations/", bearer(tokens[customer + 1]), body)
end

local function return_request(token, id)
  return wrk.format("POST", "/api/v1/reservations/" .. id .. "/return/", bearer(token), "")
end

function request()
  local n = offset + counter * nthreads + tid
  local slot = counter % 10
  counter = counter + 1
  if mode == "get" then
    return wrk.format("GET", paths[n % #paths + 1])
  elseif mode == "reserve" then
    return reserve_request(n)
  elseif mode == "return" then
    local loan = loans[n % #loans + 1]
    return return_request(loan[1], loan[2])
  end
  -- mixed
  if slot < 8 then
    reads = reads + 1
    return wrk.format("GET", paths[(counter * nthreads + tid) % #paths + 1])
  end
  if slot == 9 and #own_loans > 0 then
    local loan = table.remove(own_loans, 1)
    returns = returns + 1
    return return_request(loan[1], loan[2])
  end
  reserves = reserves + 1
  local r = offset + reserve_counter * nthreads + tid
  reserve_counter = reserve_counter + 1
  return reserve_request(r)
end

-- Mixed mode only: a 201 to a reserve names the loan and its customer, to be returned later.
if os.getenv("BENCH_MODE") == "mixed" then
  function response(status, headers, body)
    if status == 201 and body then
      local id = body:match('"id":%s*(%d+)')
      local customer = body:match('"customer":%s*(%d+)')
      local token = customer and token_of_customer[customer]
      if id and token then
        table.insert(own_loans, {token, id})
      end
    end
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  local mix_reads, mix_reserves, mix_returns = 0, 0, 0
  for _, thread in ipairs(threads) do
    mix_reads = mix_reads + (thread:get("reads") or 0)
    mix_reserves = mix_reserves + (thread:get("reserves") or 0)
    mix_returns = mix_returns + (thread:get("returns") or 0)
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50": %.3f, "p95": %.3f, "p99": %.3f, "max": %.3f, "mean": %.3f, ' ..
    '"sent_reads": %d, "sent_reserves": %d, "sent_returns": %d}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000, mix_reads, mix_reserves, mix_returns))
end
