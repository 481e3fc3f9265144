-- wrk script: replays the requests listed in the file named by REQUESTS_FILE, one per line:
-- method <TAB> path <TAB> cookie <TAB> csrf token <TAB> forwarded-for <TAB> url-encoded body
-- (the partner API's lines carry "Api-Key …" where the cookie goes, and a JSON body)
-- and reports latency percentiles, status classes and 5xx counts as one JSON line.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  requests = {}
  for line in io.lines(os.getenv("REQUESTS_FILE")) do
    local method, path, cookie, csrf, forwarded, body =
      line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {}
    if cookie:sub(1, 8) == "Api-Key " then headers["Authorization"] = cookie
    elseif cookie ~= "" then headers["Cookie"] = cookie end
    if csrf ~= "" then headers["X-CSRFToken"] = csrf end
    if forwarded ~= "" then headers["X-Forwarded-For"] = forwarded end
    if body:sub(1, 1) == "{" then headers["Content-Type"] = "application/json"
    elseif body ~= "" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
    table.insert(requests, wrk.format(method, path, headers, body ~= "" and body or nil))
  end
  -- wrk runs two threads (-t2): each starts half-way along from the other, so a list of
  -- one-time requests (sales, swaps) is never sent twice in one run.
  index = math.floor(id * #requests / 2) % #requests + 1
  server_errors = 0
  client_errors = 0
  redirects = 0
end

function request()
  local r = requests[index]
  index = index % #requests + 1
  return r
end

function response(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1
  elseif status >= 400 then client_errors = client_errors + 1
  elseif status >= 300 then redirects = redirects + 1 end
end

function done(summary, latency, requests)
  local s5, s4, s3 = 0, 0, 0
  for _, thread in ipairs(threads) do
    s5 = s5 + thread:get("server_errors")
    s4 = s4 + thread:get("client_errors")
    s3 = s3 + thread:get("redirects")
  end
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, "socket_errors": %d, ' ..
    '"status_5xx": %d, "status_4xx": %d, "status_3xx": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    s5, s4, s3))
end
