-- Loaded by the scenario scripts: counts responses whose status is not the expected one (per
-- thread) and prints one JSON line for the harness when wrk is done.

local threads = {}
local started = 0

expected = 200
unexpected = 0
last_unexpected = 0

function setup(thread)
  started = started + 1
  thread:set("thread_no", started)
  table.insert(threads, thread)
end

function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then
      table.insert(lines, line)
    end
  end
  return lines
end

function copy_headers()
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  return headers
end

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
    last_unexpected = status
  end
end

function done(summary, latency, requests)
  local bad, last = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("unexpected")
    if thread:get("last_unexpected") ~= 0 then
      last = thread:get("last_unexpected")
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "unexpected": %d, '
      .. '"last_unexpected": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), bad, last,
    e.connect + e.read + e.write + e.timeout))
end
