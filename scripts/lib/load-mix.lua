-- wrk script for scripts/soak: what consoles and operators ask, mixed. By default, per request: 55 % one node's
-- snapshot (what ks-console polls), 20 % a fleet page (the page's view: sorted, filtered, paged), 10 % the fleet
-- summary, 15 % one node's history (the last 15 minutes or hour). Nodes are picked at random from the file given as the
-- script's first argument (one name per line); a second argument sets the four weights ("55,20,10,15"). At the end it
-- prints one JSON line: requests, errors by kind, latency percentiles.
local nodes = {}
local threads = {}
local fleet = {
  "/edge/nodes?page=%d&limit=50",
  "/edge/nodes?page=%d&limit=50&sortBy=gpuTemperatureCelsius",
  "/edge/nodes?page=%d&limit=50&status=online&exporter=jetson",
  "/edge/nodes?page=%d&limit=50&q=orin",
}
local history = {
  "/edge/nodes/%s/gpu/history",
  "/edge/nodes/%s/gpu/history?metrics=gpu_utilization,gpu_temperature&step=15s&start=%d",
}

function setup(thread)
  table.insert(threads, thread)
end

local weights = {55, 20, 10, 15}

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(nodes, line) end
  end
  if args[2] then
    weights = {}
    for weight in args[2]:gmatch("%d+") do table.insert(weights, tonumber(weight)) end
  end
  total = weights[1] + weights[2] + weights[3] + weights[4]
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
  failed = 0
  statuses = {}
end

function request()
  local pick = math.random(total)
  local node = nodes[math.random(#nodes)]
  local path
  if pick <= weights[1] then
    path = "/edge/nodes/" .. node .. "/gpu"
  elseif pick <= weights[1] + weights[2] then
    local pages = math.max(1, math.ceil(#nodes / 50))
    path = string.format(fleet[math.random(#fleet)], math.random(pages))
  elseif pick <= weights[1] + weights[2] + weights[3] then
    path = "/edge/summary"
  else
    path = string.format(history[math.random(#history)], node, os.time() - 900)
  end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status >= 400 then
    failed = failed + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local failures = 0
  local byStatus = {}
  for _, thread in ipairs(threads) do
    failures = failures + thread:get("failed")
    for status, count in pairs(thread:get("statuses")) do
      byStatus[tostring(status)] = (byStatus[tostring(status)] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(byStatus) do table.insert(parts, string.format('"%s":%d', status, count)) end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"http_errors":%d,"by_status":{%s},"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
    '"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f}\n',
    summary.requests, summary.duration / 1e6, failures, table.concat(parts, ","), e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
