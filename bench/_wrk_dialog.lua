-- wrk script for bench/webhook.py: each wrk thread owns ONE connection (run with -t == -c)
-- and walks its own file of pre-computed requests in order, one request in flight at a
-- time, so a phone's messages go one after the other on one connection.
-- (wrk's Lua API does not say which connection asks for the next request, so one
-- connection per thread is the only way to keep a dialog on one connection.)
-- Usage: wrk -tN -cN -s bench/_wrk_dialog.lua URL -- REQUEST_FOLDER
-- Line format: stores TAB creates TAB method TAB path TAB body [TAB header: value ...]

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local function split(line)
   local fields = {}
   for field in (line .. "\t"):gmatch("([^\t]*)\t") do
      table.insert(fields, field)
   end
   return fields
end

function init(args)
   local path = string.format("%s/conn-%04d.txt", args[1], id)
   local file = assert(io.open(path, "r"), "cannot open " .. path)
   requests, stores, creates = {}, {}, {}
   for line in file:lines() do
      if line ~= "" then
         local f = split(line)
         local headers = {}
         for i = 6, #f do
            local name, value = f[i]:match("^([^:]+): (.*)$")
            headers[name] = value
         end
         local body = f[5] ~= "" and f[5] or nil
         table.insert(requests, wrk.format(f[3], f[4], headers, body))
         table.insert(stores, tonumber(f[1]))
         table.insert(creates, tonumber(f[2]))
      end
   end
   file:close()
   position, current = 0, 0
   -- wrk calls thread 0's request() once before the run to check the request it returns:
   -- answer that call with the first request without counting or consuming it.
   verifying = (id == 0)
   sent_stores, done_stores, done_creates, non2xx, wrapped = 0, 0, 0, 0, 0
end

function request()
   if verifying then
      verifying = false
      return requests[1]
   end
   position = position + 1
   if position > #requests then
      position, wrapped = 1, wrapped + 1  -- out of requests: repeats (the bench warns)
   end
   current = position
   sent_stores = sent_stores + stores[current]
   return requests[current]
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   elseif current > 0 then
      done_stores = done_stores + stores[current]
      done_creates = done_creates + creates[current]
   end
   current = 0
end

function done(summary, latency, requests)
   local totals = {sent_stores = 0, done_stores = 0, done_creates = 0, non2xx = 0, wrapped = 0}
   for _, thread in ipairs(threads) do
      for name, _ in pairs(totals) do
         totals[name] = totals[name] + (thread:get(name) or 0)
      end
   end
   local e = summary.errors
   io.write(string.format(
      "WRKSTATS requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d mean_us=%d "
         .. "connect=%d read=%d write=%d timeout=%d status=%d "
         .. "sent_stores=%d done_stores=%d done_creates=%d non2xx=%d wrapped=%d\n",
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      latency.max, latency.mean, e.connect, e.read, e.write, e.timeout, e.status,
      totals.sent_stores, totals.done_stores, totals.done_creates, totals.non2xx,
      totals.wrapped))
end
