-- wrk script for bench/path.sh: POST /auth/login, round robin over N users of one tenant who
-- share one password (login1@<tenant>.test .. loginN@...). One user per connection at a time:
-- auth.login charges every attempt to its (tenant, e-mail, client) before checking the password
-- (the login throttle), so 32 concurrent logins of ONE e-mail from one address lock it out
-- after tenantgate.login_max_failures (5) attempts in flight — a real finding, not a bench need.
--   wrk -tT ... -s login.lua -- HOST DOMAIN N PASSWORD T
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

local host, domain, n, password, nthreads, i = "localhost", "localhost", 1, "", 1, 0
function init(args)
  host, domain, n, password, nthreads = args[1], args[2], tonumber(args[3]), args[4], tonumber(args[5])
  i = tid
end

function request()
  local k = i % n + 1
  i = i + nthreads
  return wrk.format("POST", "/auth/login", { ["Host"] = host, ["Content-Type"] = "application/json" },
                    '{"email":"login' .. k .. '@' .. domain .. '","password":"' .. password .. '"}')
end
