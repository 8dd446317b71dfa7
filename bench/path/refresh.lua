-- wrk script for bench/path.sh: POST /auth/refresh as clients really use it. Refresh tokens
-- rotate (a used one is refused and revokes its family), so every request presents a token
-- never presented before: each thread starts with its share of a file of fresh tokens (one
-- per line, made by the bench for this wrk run alone), and every 200 answer's new
-- refresh_token goes back into the thread's queue. A non-200 answer loses its token; the
-- thread then falls back on the rest of its share, and when that is gone it sends an
-- empty token (401, counted by wrk as non-2xx): never a reused one.
--   wrk -tN ... -s refresh.lua -- HOST TOKEN_FILE N
local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

-- Defaults: wrk also calls request() once in its main state, where init() never ran.
local host, queue, head, tail, nthreads = "localhost", {}, 1, 0, 1
function init(args)
  host = args[1]
  nthreads = tonumber(args[3] or "2")
  queue, head, tail = {}, 1, 0
  local i = 0
  for line in io.lines(args[2]) do
    if i % nthreads == tid then
      tail = tail + 1
      queue[tail] = line
    end
    i = i + 1
  end
end

function request()
  local tok = ""
  if head <= tail then
    tok = queue[head]
    queue[head] = nil
    head = head + 1
  end
  return wrk.format("POST", "/auth/refresh", { ["Host"] = host, ["Content-Type"] = "application/json" },
                    '{"refresh_token":"' .. tok .. '"}')
end

function response(status, headers, body)
  if status == 200 then
    local t = string.match(body, '"refresh_token"%s*:%s*"(tgr_[A-Za-z0-9_-]+)"')
    if t then
      tail = tail + 1
      queue[tail] = t
    end
  end
end
