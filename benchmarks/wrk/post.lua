-- POST one fixed JSON body on every connection, for as long as wrk runs (-d).
--   wrk -s benchmarks/wrk/post.lua URL -- BODY_FILE
-- The body comes from a file so that the benchmark decides it (the real codeassign dry run).

dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")

function init(args)
   local file = assert(io.open(args[1], "rb"))
   wrk.method = "POST"
   wrk.body = file:read("*a")
   wrk.headers["Content-Type"] = "application/json"
   file:close()
end

function response(status, headers, body)
   count_status(status)
end
