-- GETs round a list of paths, each thread starting at its own place.
-- wrk ... -s get.lua URL -- SLOTS_FILE EXPECTED_STATUS
-- SLOTS_FILE: one "path<TAB>etag" a line; an etag other than "-" is sent as If-None-Match.

local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "report.lua")

local slots = {}
local n = 0

function init(args)
  expected = tonumber(args[2])
  for _, line in ipairs(read_lines(args[1])) do
    local path, etag = line:match("^([^\t]+)\t(.*)$")
    local headers = copy_headers()
    if etag ~= "-" then
      headers["If-None-Match"] = etag
    end
    table.insert(slots, wrk.format("GET", path, headers))
  end
  n = (thread_no or 0) * 7919
end

function request()
  n = n + 1
  return slots[(n % #slots) + 1]
end
