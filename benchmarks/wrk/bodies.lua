-- POST a set of JSON bodies round-robin, for as long as wrk runs (-d).
--   wrk -s benchmarks/wrk/bodies.lua URL -- BODIES_FILE
-- BODIES_FILE holds one JSON body a line (benchmarks/peer_load.py writes the dry runs there).
-- Each thread walks the list from its own place, one body per request, so every server is
-- sent the same mix in the same order whatever its speed.

dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")

local bodies, next_body = {}, 1
local headers = { ["Content-Type"] = "application/json" }

function init(args)
   for line in io.lines(args[1]) do
      if line ~= "" then
         table.insert(bodies, line)
      end
   end
   assert(#bodies > 0, "no bodies in " .. args[1])
   next_body = (index % #bodies) + 1
end

function request()
   local body = bodies[next_body]
   next_body = (next_body % #bodies) + 1
   return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
   count_status(status)
end
