-- wrk script: POST the question form with a valid token, CSRF cookie and a unique question,
-- counting the redirects (accepted questions). BENCH_* values come from bench_plan via env.
local csrf = os.getenv("BENCH_CSRF")
local token = os.getenv("BENCH_FORM_TOKEN")
local threads = {}
counter = 0
redirects = 0
run = ""

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  run = string.format("%d-%d-%d", os.time(), id, math.random(1, 1000000000))
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Cookie"] = "csrftoken=" .. csrf
end

function request()
  counter = counter + 1
  local body = "csrfmiddlewaretoken=" .. csrf .. "&form_token=" .. token
    .. "&website=&question=Benchmark+question+" .. run .. "-" .. counter
    .. "+about+low-dose+naltrexone+and+fatigue"
  return wrk.format("POST", nil, nil, body)
end

function response(status, headers, body)
  if status == 302 then
    redirects = redirects + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("redirects")
  end
  io.write(string.format("Redirects: %d\n", total))
end
