-- Submit pre-created drafts, each exactly once: POST /api/applications/ID/transitions/submit
-- with If-Match "1" (a new draft's version) and the unit's bearer token.
--   wrk -s benchmarks/wrk/submit.lua BASE_URL -- IDS_FILE TOKEN THREADS
-- IDS_FILE holds one id a line; thread i of n takes every n-th id from the i-th, so no two
-- threads submit the same draft. wrk asks delay() before each request: a connection takes an
-- id there, or, when none is left, waits (an hour). When the last answer is in, the thread
-- prints "WRK_EXHAUSTED" and stops; the benchmark then interrupts wrk, which reports as at the
-- end of -d. So the count is bounded and every submission is answered; -d is only a cap.

dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")

local ids, claimed, next_id, answered = {}, 0, 1, 0
local headers = { ["If-Match"] = '"1"' }

function init(args)
   local threads = tonumber(args[3])
   local n = 0
   for line in io.lines(args[1]) do
      if n % threads == index then
         table.insert(ids, line)
      end
      n = n + 1
   end
   headers["Authorization"] = "Bearer " .. args[2]
end

function delay()
   if claimed < #ids then
      claimed = claimed + 1
      return 0
   end
   return 3600 * 1000
end

function request()
   -- wrk calls this once at start, with no delay() before it, to check what it returns: that
   -- call gets id 0 and is never sent. Every other call follows a delay() that took an id.
   if next_id > claimed then
      return wrk.format("POST", "/api/applications/0/transitions/submit", headers)
   end
   started()
   local id = ids[next_id]
   next_id = next_id + 1
   return wrk.format("POST", "/api/applications/" .. id .. "/transitions/submit", headers)
end

function response(status, headers, body)
   count_status(status)
   answered = answered + 1
   if answered == #ids then
      io.write("WRK_EXHAUSTED\n")
      io.stdout:flush()
      wrk.thread:stop()
   end
end
