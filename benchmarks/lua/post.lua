-- POSTs of a JSON body round a list of paths; every "{{n}}" in the body becomes a token unique to
-- the request (run prefix, thread, counter), so no two bodies are alike and no Idempotency-Key is sent.
-- wrk ... -s post.lua URL -- PATHS_FILE EXPECTED_STATUS BODY_FILE RUN_PREFIX

local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "report.lua")

local paths = {}
local template = ""
local prefix = ""
local headers = {}
local n = 0

function init(args)
  expected = tonumber(args[2])
  paths = read_lines(args[1])
  local file = assert(io.open(args[3], "r"))
  template = file:read("*a")
  file:close()
  prefix = args[4] .. "-" .. (thread_no or 0) .. "-"
  headers = copy_headers()
  headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local body = template:gsub("{{n}}", prefix .. n)
  return wrk.format("POST", paths[(n % #paths) + 1], headers, body)
end
