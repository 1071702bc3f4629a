-- The wrk script of the HTTP load benchmark (scripts/bench-http): in "write" mode each request
-- reports progress on one of the commitments the benchmark made beforehand, each wrk thread on
-- its own share of them so that no two requests in flight name the same commitment; in "read" mode
-- the request is the URL given on wrk's command line, sent again as soon as it is answered, or,
-- given PAUSE_MS, that many milliseconds after (a client that reads, then looks). At the end it
-- prints one line the script reads: requests, seconds, failures and latency percentiles in
-- microseconds.
--
--   wrk ... -s scripts/bench-http.lua URL -- read [PAUSE_MS]
--   wrk ... -s scripts/bench-http.lua URL -- write THREADS COMMITMENTS_PER_THREAD

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

local mode, count, pool
local sent = 0

function init(args)
   mode = args[1]
   if mode == "write" then
      count = tonumber(args[2])
      pool = tonumber(args[3])
      wrk.method = "POST"
      wrk.path = "/api/v1/commitments"
      wrk.headers["Content-Type"] = "application/json"
   elseif args[2] then
      local pause = tonumber(args[2])
      -- wrk looks for delay() after init, so defining it here paces this run only.
      delay = function()
         return pause
      end
   end
end

local statuses = { "green", "green", "amber", "green", "red" }

function request()
   if mode ~= "write" then
      return wrk.format()
   end
   local commitment = id + count * (sent % pool)
   sent = sent + 1
   local body = string.format(
      '{"aggregate":"commitment","command":"report_progress","id":"place-action-%05d",'
         .. '"status":"%s","percent_complete":%d,'
         .. '"narrative":"Quarterly return to the Housing, Health and Care Delivery Group: %d referrals completed.",'
         .. '"period":{"label":"2025/26 Q2","from":"2025-07-01","to":"2025-09-30"},"reported_on":"2025-10-15"}',
      commitment, statuses[sent % #statuses + 1], sent % 101, sent)
   return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d seconds=%.3f non2xx=%d socket_errors=%d p50=%d p99=%d max=%d\n",
      summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout,
      latency:percentile(50), latency:percentile(99), latency.max))
end
