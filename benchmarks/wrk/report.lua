-- Shared by the wrk scripts of benchmarks/ (loaded with dofile): count each answer's status in
-- every thread, note when a thread sent its first request and read its last answer, and at the
-- end print one line "WRK_JSON {...}" that benchmarks/http_load.py parses. Latencies are wrk's
-- own (µs); errors are wrk's socket errors plus every answer that is not 2xx.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *ts);
]]
local timespec = ffi.new("bench_timespec")

-- CLOCK_MONOTONIC in µs: wrk gives scripts no clock, and a run that stops when its work is done
-- (submit.lua) needs its own span, since wrk's duration is always the -d it was given.
function now_us()
   ffi.C.clock_gettime(1, timespec)
   return tonumber(timespec.tv_sec) * 1e6 + tonumber(timespec.tv_nsec) / 1e3
end

local threads = {}

function setup(thread)
   thread:set("index", #threads)
   table.insert(threads, thread)
end

statuses = {}
first_us, last_us = nil, nil

function started()
   first_us = first_us or now_us()
end

function count_status(status)
   last_us = now_us()
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
end

local function json(value)
   if type(value) == "table" then
      local parts = {}
      for k, v in pairs(value) do
         table.insert(parts, string.format("%q:%s", tostring(k), json(v)))
      end
      return "{" .. table.concat(parts, ",") .. "}"
   end
   return tostring(value)
end

local function merged()
   local counts, first, last = {}, nil, nil
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("statuses") or {}) do
         counts[status] = (counts[status] or 0) + n
      end
      local f, l = thread:get("first_us"), thread:get("last_us")
      if f and (first == nil or f < first) then first = f end
      if l and (last == nil or l > last) then last = l end
   end
   return counts, (first and last) and (last - first) or 0
end

function done(summary, latency, requests)
   local counts, span = merged()
   local non_2xx = 0
   for status, n in pairs(counts) do
      local code = tonumber(status)
      if code < 200 or code > 299 then
         non_2xx = non_2xx + n
      end
   end
   local e = summary.errors
   io.write("WRK_JSON ", json({
      requests = summary.requests,
      duration_us = summary.duration,
      span_us = span,
      bytes = summary.bytes,
      p50_us = latency:percentile(50),
      p99_us = latency:percentile(99),
      max_us = latency.max,
      statuses = counts,
      non_2xx = non_2xx,
      socket_errors = e.connect + e.read + e.write + e.timeout,
      errors = { connect = e.connect, read = e.read, write = e.write,
                 timeout = e.timeout, status = e.status },
   }), "\n")
end
